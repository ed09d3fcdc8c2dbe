# Sourced by the load scripts. sim_port FILE prints the port that
# `chimera sim --port 0` announced in FILE (its output), waiting up to 5 s;
# fails, showing that output, when the simulator did not start.
sim_port() {
  local port=""
  for _ in $(seq 50); do
    port=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1" | head -1)
    if [ -n "$port" ]; then
      echo "$port"
      return 0
    fi
    sleep 0.1
  done
  echo "the simulator did not announce a port; its output:" >&2
  cat "$1" >&2
  return 1
}
