#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>

#include "chimera/ingest/analysis.hpp"
#include "chimera/ingest/csv.hpp"
#include "chimera/ingest/facts.hpp"
#include "chimera/ingest/path_policy.hpp"
#include "chimera/ingest/utf8.hpp"
#include "chimera/util/utf8.hpp"

namespace chimera::ingest {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kChunkBytes = 1u << 20;

std::string describe_errno(int error) {
  switch (error) {
    case ENOENT:
      return "vanished during the walk (listed, then gone)";
    case EACCES:
    case EPERM:
      return "permission denied";
    case ELOOP:
      return "too many levels of symbolic links";
    default:
      return std::strerror(error);
  }
}

const char* special_file_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

// Closes the descriptor on every path out of a reader.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

class Ingestor {
 public:
  Ingestor(Analysis& analysis, const IngestOptions& options, bool multiple_roots)
      : a_(analysis),
        options_(options),
        facts_(analysis),
        multiple_roots_(multiple_roots),
        policy_(options.follow_symlinks) {}

  // The canonical paths of every root, before any is walked: a link from one
  // root into another stays inside.
  void admit_roots(const std::vector<fs::path>& roots) {
    for (const auto& root : roots) {
      if (auto real = canonical_path(root.string())) policy_.add_root(*real);
    }
  }

  void add_root(const fs::path& root) {
    RootStatus status;
    status.path = root.string();
    struct stat st {};
    std::optional<std::string> real;
    if (::stat(root.c_str(), &st) != 0) {
      status.message = errno == ENOENT ? "no such file or directory" : describe_errno(errno);
    } else if (real = canonical_path(status.path); !real) {
      status.message = describe_errno(errno);
    } else if (auto refused = policy_.refuse(*real)) {
      status.message = *refused;
    } else if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
      status.message =
          std::string("not a directory or a regular file: ") + special_file_kind(st.st_mode);
    } else {
      status.exists = true;
    }
    a_.inventory.roots.push_back(status);
    if (!status.exists) {
      facts_.absent_root(status);
      return;
    }
    visited_.clear();
    if (S_ISREG(st.st_mode)) {  // one file: its folder is the root, as for a file found in a walk
      const fs::path parent = root.parent_path();
      root_ = parent.empty() ? "." : parent.string();
      if (options_.on_file) options_.on_file(root);
      process_file(root, util::escape_file_name(root.filename().string()), "", st);
      return;
    }
    root_ = status.path;
    visited_.insert({st.st_dev, st.st_ino});
    walk_directory(root, "", *real);
  }

 private:
  void issue(std::vector<FileIssue>& list, FileIssue item) {
    if (list.size() >= options_.limits.max_issues) {
      ++a_.counts.issues_dropped;
      return;
    }
    list.push_back(std::move(item));
  }

  FileIssue make_issue(const std::string& rel, std::string reason) {
    FileIssue item;
    item.source.root = root_;
    item.source.file = rel;
    item.reason = std::move(reason);
    return item;
  }

  // `real_dir`: the canonical path of `dir`, to keep the walk where it may go.
  void walk_directory(const fs::path& dir, const std::string& rel_dir,
                      const std::string& real_dir) {
    ++a_.inventory.directories;
    DIR* handle = ::opendir(dir.c_str());
    if (handle == nullptr) {
      issue(a_.inventory.skipped,
            make_issue(rel_dir.empty() ? "." : rel_dir, "directory: " + describe_errno(errno)));
      return;
    }
    std::vector<std::string> names;
    while (dirent* entry = ::readdir(handle)) {
      const std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      names.emplace_back(name);
    }
    ::closedir(handle);
    // Sorted so that every run lists, ranks and caps in the same order.
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      const fs::path path = dir / name;
      // `rel` is for display only (never opened): a name that is not UTF-8 is escaped.
      const std::string shown = util::escape_file_name(name);
      const std::string rel = rel_dir.empty() ? shown : rel_dir + "/" + shown;
      visit(path, rel, rel_dir, real_dir == "/" ? "/" + name : real_dir + "/" + name);
    }
  }

  void visit(const fs::path& path, const std::string& rel, const std::string& rel_dir,
             std::string real) {
    struct stat link {};
    if (::lstat(path.c_str(), &link) != 0) {
      issue(a_.inventory.skipped, make_issue(rel, describe_errno(errno)));
      return;
    }
    struct stat st = link;
    if (S_ISLNK(link.st_mode)) {
      if (!follow_link(path, rel, real)) return;
      if (::stat(path.c_str(), &st) != 0) {
        issue(a_.inventory.skipped, make_issue(rel, "symbolic link: " + describe_errno(errno)));
        return;
      }
    }
    if (S_ISDIR(st.st_mode)) {
      if (auto refused = policy_.refuse(real)) {
        issue(a_.inventory.skipped, make_issue(rel, "directory " + real + ": " + *refused));
        return;
      }
      if (!visited_.insert({st.st_dev, st.st_ino}).second) {
        issue(a_.inventory.skipped,
              make_issue(rel,
                         "directory already visited (symbolic link loop or second link); "
                         "not followed again"));
        return;
      }
      walk_directory(path, rel, real);
      return;
    }
    if (!S_ISREG(st.st_mode)) {
      issue(a_.inventory.skipped,
            make_issue(rel, std::string(special_file_kind(st.st_mode)) + "; not read"));
      return;
    }
    if (options_.on_file) options_.on_file(path);
    process_file(path, rel, rel_dir, st);
  }

  // Resolves a symbolic link into `real`; false (with the reason listed) when
  // it is dangling or leads where the walk must not go.
  bool follow_link(const fs::path& path, const std::string& rel, std::string& real) {
    auto target = canonical_path(path.string());
    if (!target) {
      const int error = errno;
      issue(a_.inventory.skipped,
            make_issue(rel, error == ENOENT ? "dangling symbolic link (its target does not exist)"
                                            : "symbolic link: " + describe_errno(error)));
      return false;
    }
    if (auto refused = policy_.refuse_link(*target)) {
      FileIssue item = make_issue(rel, *refused);
      item.link_target = *target;
      ++a_.inventory.links_not_followed;
      issue(a_.inventory.skipped, std::move(item));
      return false;
    }
    real = std::move(*target);
    return true;
  }

  void count_file(FileType type, const std::string& rel_dir, const struct stat& st) {
    Inventory& inv = a_.inventory;
    ++inv.total_files;
    inv.total_bytes += static_cast<std::uint64_t>(st.st_size);
    TypeStats& stats = inv.by_type[to_string(type)];
    const std::int64_t mtime = st.st_mtim.tv_sec;
    if (stats.files == 0 || mtime > stats.latest_mtime) {
      stats.latest_mtime = mtime;
      stats.latest_mtime_utc = iso8601_utc(mtime);
    }
    ++stats.files;
    stats.bytes += static_cast<std::uint64_t>(st.st_size);
    std::string dir_key = rel_dir.empty() ? "." : rel_dir;
    if (multiple_roots_) dir_key = root_ + (rel_dir.empty() ? "" : "/" + rel_dir);
    DirectoryStats& dir = inv.by_directory[dir_key];
    ++dir.files;
    dir.bytes += static_cast<std::uint64_t>(st.st_size);
  }

  void process_file(const fs::path& path, const std::string& rel, const std::string& rel_dir,
                    const struct stat& st) {
    const FileType type = file_type_of(path);
    Provenance source;
    source.root = root_;
    source.file = rel;

    FileDescriptor file;
    if (type != FileType::kOther) {
      file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (file.fd < 0) {
        const int error = errno;
        if (error != ENOENT) count_file(type, rel_dir, st);
        issue(a_.inventory.skipped, make_issue(rel, describe_errno(error)));
        return;
      }
    }
    count_file(type, rel_dir, st);
    if (st.st_size == 0) {
      a_.inventory.empty_files.push_back(source);
      facts_.empty_file(source);
      return;
    }
    if (type == FileType::kOther) return;
    const std::uint32_t fid = a_.figures.add_file(root_, rel);
    switch (type) {
      case FileType::kCsv:
        read_csv(file.fd, source, fid);
        break;
      case FileType::kJsonl:
        read_jsonl(file.fd, source, fid);
        break;
      case FileType::kJson:
      case FileType::kMarkdown:
        read_whole(file.fd, type, source, fid, st);
        break;
      case FileType::kOther:
        break;
    }
  }

  // Reads the file chunk by chunk, checking the encoding as it goes. Returns
  // false when the content is not text this layer reads (recorded as a failure).
  template <typename Sink>
  bool stream(int fd, const Provenance& source, Sink&& sink) {
    Utf8Validator utf8;
    util::Utf8Sanitizer sanitizer;
    bool first = true;
    for (;;) {
      const ssize_t got = ::read(fd, buffer_.data(), buffer_.size());
      if (got < 0) {
        if (errno == EINTR) continue;
        fail(source, "read error: " + describe_errno(errno));
        return false;
      }
      if (got == 0) break;
      const std::string_view chunk(buffer_.data(), static_cast<std::size_t>(got));
      if (first) {
        first = false;
        const std::string bom = foreign_byte_order_mark(chunk);
        if (!bom.empty()) {
          fail(source, bom + " text (byte-order mark); only UTF-8 is read");
          return false;
        }
      }
      utf8.feed(chunk);
      if (utf8.saw_nul()) {
        FileIssue item = make_issue(source.file, "binary content: NUL byte; not a text file");
        item.offset = utf8.first_nul_offset();
        item.has_offset = true;
        issue(a_.inventory.parse_failures, std::move(item));
        facts_.parse_failure(a_.inventory.parse_failures.back());
        return false;
      }
      sink(sanitizer.feed(chunk));
    }
    utf8.finish();
    if (const auto tail = sanitizer.finish(); !tail.empty()) sink(tail);
    if (!utf8.valid()) {
      FileIssue item = make_issue(
          source.file, "invalid UTF-8 from byte " + std::to_string(utf8.first_invalid_offset()) +
                           "; read with each invalid sequence replaced by U+FFFD");
      item.offset = utf8.first_invalid_offset();
      item.has_offset = true;
      issue(a_.inventory.warnings, std::move(item));
    }
    return true;
  }

  void fail(const Provenance& source, std::string reason, std::size_t line = 0,
            std::size_t column = 0, std::uint64_t offset = 0, bool has_offset = false) {
    FileIssue item = make_issue(source.file, std::move(reason));
    item.source.line = line;
    item.column = column;
    item.offset = offset;
    item.has_offset = has_offset;
    issue(a_.inventory.parse_failures, item);
    facts_.parse_failure(item);
  }

  void read_csv(int fd, const Provenance& source, std::uint32_t fid) {
    std::unique_ptr<TableAccumulator> table;
    std::vector<Cell> cells;
    CsvParser parser(
        [&](const std::vector<std::string_view>& fields, std::size_t line) {
          if (!table) {
            std::vector<std::string> header(fields.begin(), fields.end());
            for (auto& name : header) {
              while (!name.empty() && name.back() == ' ') name.pop_back();
              while (!name.empty() && name.front() == ' ') name.erase(0, 1);
            }
            table = std::make_unique<TableAccumulator>(std::move(header), source, "csv",
                                                       &a_.figures, fid);
            return;
          }
          cells.clear();
          for (auto field : fields) cells.push_back(Cell::from_text(field));
          table->add_row(cells, line);
        },
        options_.limits.max_csv_row_bytes);
    if (!stream(fd, source, [&](std::string_view chunk) { parser.feed(chunk); })) return;
    parser.finish();
    if (parser.error()) {
      const CsvError& error = *parser.error();
      fail(source, error.reason, error.line, 0, error.offset, true);
    }
    if (parser.stray_quotes() > 0) {
      FileIssue item = make_issue(source.file, std::to_string(parser.stray_quotes()) +
                                                   " stray quote(s) outside RFC 4180 quoting");
      item.source.line = parser.first_stray_quote_line();
      issue(a_.inventory.warnings, std::move(item));
    }
    if (!table) return;
    TableAnalysis analysis = table->finish();
    if (analysis.ragged_rows > 0) {
      FileIssue item = make_issue(source.file, std::to_string(analysis.ragged_rows) +
                                                   " row(s) with a field count different from "
                                                   "the header's " +
                                                   std::to_string(analysis.columns.size()));
      item.source.line = analysis.first_ragged_line;
      item.source.row = analysis.first_ragged_row;
      issue(a_.inventory.warnings, std::move(item));
    }
    keep_table(std::move(analysis));
  }

  void read_jsonl(int fd, const Provenance& source, std::uint32_t fid) {
    JsonLinesReader reader(source, &a_.figures, fid);
    if (!stream(fd, source, [&](std::string_view chunk) { reader.feed(chunk); })) return;
    JsonDocument doc = reader.finish();
    if (doc.bad_lines > 0) {
      std::string reason =
          std::to_string(doc.bad_lines) + " line(s) are not JSON; first: " + doc.error.reason;
      if (doc.records == 0) {
        fail(source, reason, doc.error.line, doc.error.column);
      } else {
        FileIssue item = make_issue(source.file, reason);
        item.source.line = doc.error.line;
        item.column = doc.error.column;
        issue(a_.inventory.warnings, std::move(item));
      }
    }
    take_json(source, std::move(doc));
  }

  void read_whole(int fd, FileType type, const Provenance& source, std::uint32_t fid,
                  const struct stat& st) {
    const std::size_t limit = type == FileType::kJson ? options_.limits.max_json_bytes
                                                      : options_.limits.max_markdown_bytes;
    if (static_cast<std::uint64_t>(st.st_size) > limit) {
      issue(a_.inventory.skipped,
            make_issue(source.file, "not parsed: " + std::to_string(st.st_size) +
                                        " bytes is over the limit of " + std::to_string(limit) +
                                        " for a " + to_string(type) + " document"));
      return;
    }
    std::string text;
    text.reserve(static_cast<std::size_t>(st.st_size));
    bool too_large = false;
    const bool ok = stream(fd, source, [&](std::string_view chunk) {
      if (text.size() + chunk.size() > limit) too_large = true;
      if (!too_large) text.append(chunk);
    });
    if (!ok) return;
    if (too_large) {
      issue(a_.inventory.skipped, make_issue(source.file,
                                             "not parsed: grew past the size limit "
                                             "while being read"));
      return;
    }
    std::string_view view = text;
    if (has_utf8_bom(view)) view.remove_prefix(3);
    if (type == FileType::kJson) {
      JsonDocument doc = analyse_json(view, source, &a_.figures, fid);
      if (!doc.parsed) {
        fail(source, "invalid JSON: " + doc.error.reason, doc.error.line, doc.error.column,
             doc.error.offset, true);
      }
      take_json(source, std::move(doc));
      return;
    }
    MarkdownDocument doc = analyse_markdown(view, source, &a_.figures, fid);
    a_.counts.headings_total += doc.heading_count;
    // The outline fact quotes the first heading: built before the texts move out.
    facts_.outline(source, doc);
    for (auto& heading : doc.headings) {
      if (a_.headings.size() >= options_.limits.max_headings) break;
      Provenance at = source;
      at.line = heading.line;
      a_.headings.push_back(HeadingRef{std::move(at), heading.level, std::move(heading.text)});
    }
    for (auto& table : doc.tables) keep_table(std::move(table));
  }

  void take_json(const Provenance& source, JsonDocument doc) {
    for (const auto& token : doc.non_finite) {
      FileIssue item = make_issue(
          source.file, token.token + " is not JSON; read as null" +
                           (token.json_path.empty() ? std::string() : " at " + token.json_path));
      item.source.line = token.line;
      item.source.json_path = token.json_path;
      item.column = token.column;
      item.offset = token.offset;
      item.has_offset = true;
      issue(a_.inventory.warnings, std::move(item));
    }
    facts_.json_document(source, doc);
    a_.counts.json_leaves_total += doc.metric_leaves.size();
    for (auto& leaf : doc.metric_leaves) {
      if (a_.json_leaves.size() >= options_.limits.max_json_leaves) break;
      Provenance at = source;
      at.json_path = leaf.path;
      a_.json_leaves.push_back(JsonMetricLeaf{std::move(at), leaf.value, std::move(leaf.metric)});
    }
    for (auto& table : doc.tables) keep_table(std::move(table));
  }

  void keep_table(TableAnalysis table) {
    ++a_.counts.tables_total;
    facts_.table(table);
    if (a_.tables.size() < options_.limits.max_tables) a_.tables.push_back(std::move(table));
  }

  Analysis& a_;
  const IngestOptions& options_;
  FactBuilder facts_;
  bool multiple_roots_;
  PathPolicy policy_;
  std::string root_;
  std::set<std::pair<dev_t, ino_t>> visited_;
  std::vector<char> buffer_ = std::vector<char>(kChunkBytes);
};

}  // namespace

const char* to_string(FileType type) {
  switch (type) {
    case FileType::kCsv:
      return "csv";
    case FileType::kJson:
      return "json";
    case FileType::kJsonl:
      return "jsonl";
    case FileType::kMarkdown:
      return "md";
    case FileType::kOther:
      break;
  }
  return "other";
}

FileType file_type_of(const fs::path& path) {
  const std::string ext = lowercase(path.extension().string());
  if (ext == ".csv") return FileType::kCsv;
  if (ext == ".json") return FileType::kJson;
  if (ext == ".jsonl" || ext == ".ndjson") return FileType::kJsonl;
  if (ext == ".md" || ext == ".markdown") return FileType::kMarkdown;
  return FileType::kOther;
}

bool Analysis::any_root_exists() const {
  return std::any_of(inventory.roots.begin(), inventory.roots.end(),
                     [](const RootStatus& root) { return root.exists; });
}

std::vector<std::string> links_not_followed(const Analysis& analysis, std::size_t max_lines) {
  std::vector<std::string> lines;
  std::size_t shown = 0;
  for (const auto& item : analysis.inventory.skipped) {
    if (item.link_target.empty()) continue;
    if (shown++ == max_lines) break;
    lines.push_back(item.source.root + "/" + item.source.file + ": " + item.reason);
  }
  const std::size_t total = analysis.inventory.links_not_followed;
  if (total > lines.size()) {
    lines.push_back(std::to_string(total - lines.size()) +
                    " more symbolic link(s) not followed; the inventory lists them");
  }
  return lines;
}

Analysis analyse(const std::vector<fs::path>& roots, const IngestOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  Analysis analysis;
  analysis.limits = options.limits;
  analysis.figures = FigureIndex(options.limits.max_figures, options.limits.max_figures_per_file);
  {
    Ingestor ingestor(analysis, options, roots.size() > 1);
    ingestor.admit_roots(roots);
    for (const auto& root : roots) ingestor.add_root(root);
  }
  FactBuilder::finish(analysis);
  analysis.figures.seal();
  analysis.elapsed_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return analysis;
}

}  // namespace chimera::ingest
