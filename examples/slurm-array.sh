#!/bin/sh
# N Chimera workers as a Slurm job array, sharing one distributed sweep in a
# team PostgreSQL database. Register the sweep first (from anywhere):
#   chimera sweep --store postgresql://bench@db.internal/results --distributed ...
# then: sbatch examples/slurm-array.sh
# Each task's SLURM_ARRAY_TASK_ID names its worker in `chimera sweep --status`.
#SBATCH --job-name=chimera-workers
#SBATCH --array=0-3
#SBATCH --cpus-per-task=2
#SBATCH --time=04:00:00
set -eu
# libpq reads the password from ~/.pgpass (or PGPASSWORD); never put it on the command line.
STORE=${CHIMERA_STORE:-postgresql://bench@db.internal:5432/results}
exec chimera worker --store "$STORE" --lease 120
# A fixed split without a database queue instead (each task runs every 4th grid point):
#   exec chimera sweep --shard auto --store "results-$SLURM_ARRAY_TASK_ID.sqlite" ...
