#pragma once
// Results read back from a JSONL file of raw requests (`--output x.jsonl`, or
// a run directory's requests.jsonl), for `chimera report`.

#include <filesystem>

#include "chimera/report/model.hpp"
#include "chimera/report/reporter.hpp"

namespace chimera::report {

// One configuration per distinct (backend, endpoint, model, api, options) in
// the order first seen; lines of a `chimera run` (with run, phase and agent)
// are grouped per run, phase and agent instead. Fails on an unreadable file
// or on a file with no request in it; lines that are not JSON become a warning.
Expected<BenchReport> report_from_requests_file(const std::filesystem::path& path);

// Replays the file's requests, one line at a time.
RequestSource requests_file_source(const std::filesystem::path& path);

}  // namespace chimera::report
