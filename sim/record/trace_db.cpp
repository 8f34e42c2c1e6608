#include "sim/record/trace_db.h"

#include <sqlite3.h>

#include <cstdio>
#include <vector>

#include "sim/checkers/json_fields.h"

#ifndef ZABLAB_BUILD_ID
#define ZABLAB_BUILD_ID "zablab (unknown build)"
#endif

namespace zablab::sim::record {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE runs (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  format_version INTEGER NOT NULL,
  scenario_name  TEXT NOT NULL,
  scenario_file  TEXT NOT NULL,
  scenario_text  TEXT NOT NULL,
  seed           TEXT NOT NULL,
  build_id       TEXT NOT NULL,
  config         TEXT NOT NULL,
  bug            TEXT NOT NULL,
  verdict        TEXT,
  violation      TEXT,
  trace_hash     TEXT,
  event_count    INTEGER
);
CREATE TABLE events (
  seq       INTEGER PRIMARY KEY,
  time_ns   INTEGER NOT NULL,
  kind      TEXT NOT NULL,
  node      INTEGER NOT NULL,
  from_node INTEGER NOT NULL,
  to_node   INTEGER NOT NULL,
  msg_type  TEXT NOT NULL,
  epoch     INTEGER,
  zxid      INTEGER NOT NULL,
  detail    TEXT NOT NULL
);
)sql";

constexpr const char* kIndexes = R"sql(
CREATE INDEX IF NOT EXISTS events_by_kind ON events(kind, msg_type);
CREATE INDEX IF NOT EXISTS events_by_node ON events(node, seq);
CREATE INDEX IF NOT EXISTS events_by_zxid ON events(zxid) WHERE zxid >= 0;
)sql";

class Db {
 public:
  Db(const std::string& path, int flags) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw RecordError("cannot open " + path + ": " + why);
    }
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  sqlite3* get() const { return db_; }
  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string why = err ? err : "unknown error";
      sqlite3_free(err);
      throw RecordError("sqlite: " + why);
    }
  }
  [[noreturn]] void fail(const std::string& what) const { throw RecordError(what + ": " + sqlite3_errmsg(db_)); }

 private:
  sqlite3* db_ = nullptr;
};

class Statement {
 public:
  Statement(Db& db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db.get(), sql, -1, &stmt_, nullptr) != SQLITE_OK) db.fail("prepare");
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  void text(int i, const std::string& v) {
    if (sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) != SQLITE_OK) db_.fail("bind");
  }
  // `v` must outlive the next run(): saves a copy per column on the hot path.
  void text_static(int i, const std::string& v) {
    if (sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC) != SQLITE_OK) db_.fail("bind");
  }
  void integer(int i, std::int64_t v) {
    if (sqlite3_bind_int64(stmt_, i, v) != SQLITE_OK) db_.fail("bind");
  }
  void null(int i) {
    if (sqlite3_bind_null(stmt_, i) != SQLITE_OK) db_.fail("bind");
  }
  // Runs a statement that returns no rows, and resets it for the next use.
  void run() {
    if (sqlite3_step(stmt_) != SQLITE_DONE) db_.fail("write");
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  bool row() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) db_.fail("read");
    return false;
  }
  std::string column_text(int i) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))) : std::string();
  }
  std::int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }

 private:
  Db& db_;
  sqlite3_stmt* stmt_ = nullptr;
};

std::optional<std::int64_t> epoch_of(const TraceRecord& r) {
  if (r.zxid >= 0) return static_cast<std::int64_t>(static_cast<std::uint64_t>(r.zxid) >> 32);
  if (r.detail.find("\"epoch\"") == std::string::npos) return std::nullopt;
  return check::json_int(r.detail, "epoch");
}

// The tables' names: `runs`/`events` since format 2, `run`/`event` in format 1 (still read).
struct TableNames {
  std::string runs;
  std::string events;
};

TableNames require_recording(Db& db, const std::string& path) {
  for (const TableNames& t : {TableNames{"runs", "events"}, TableNames{"run", "event"}}) {
    Statement s(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (?, ?)");
    s.text(1, t.runs);
    s.text(2, t.events);
    if (s.row() && s.column_int(0) == 2) return t;
  }
  throw RecordError(path + " is not a zablab trace recording");
}

RunInfo read_run(Db& db, const std::string& path) {
  const TableNames t = require_recording(db, path);
  const std::string sql =
      "SELECT format_version, scenario_name, scenario_file, scenario_text, seed, build_id, config, bug, "
      "verdict, violation, trace_hash, event_count FROM " + t.runs + " WHERE id = 1";
  Statement s(db, sql.c_str());
  if (!s.row()) throw RecordError(path + " has no run row");
  RunInfo info;
  info.format_version = static_cast<int>(s.column_int(0));
  if (info.format_version < 1 || info.format_version > kFormatVersion)
    throw RecordError(path + " has format version " + std::to_string(info.format_version) + "; this build reads " +
                      std::to_string(kFormatVersion));
  info.scenario_name = s.column_text(1);
  info.scenario_file = s.column_text(2);
  info.scenario_text = s.column_text(3);
  info.seed = s.column_text(4);
  info.build_id = s.column_text(5);
  info.config = s.column_text(6);
  info.bug = s.column_text(7);
  info.verdict = s.column_text(8);
  info.violation = s.column_text(9);
  info.trace_hash = s.column_text(10);
  info.event_count = s.column_int(11);
  return info;
}

}  // namespace

std::string build_id() { return ZABLAB_BUILD_ID; }

struct TraceRecorder::Impl {
  // NOMUTEX: one thread uses the connection; SQLite's own locking is pure cost here.
  Impl(const std::string& path, std::size_t batch_size)
      : db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX), batch(batch_size) {}
  Db db;
  std::unique_ptr<Statement> insert;
  std::size_t batch;
  std::size_t in_batch = 0;
  std::uint64_t written = 0;
  bool finished = false;
  bool failed = false;
  std::string error;

  void add(const TraceRecord& r) {
    if (finished || failed) return;
    try {
      if (in_batch == 0) db.exec("BEGIN");
      Statement& s = *insert;
      s.integer(1, static_cast<std::int64_t>(r.seq));
      s.integer(2, r.time_ns);
      s.text_static(3, r.kind);
      s.integer(4, r.node);
      s.integer(5, r.from);
      s.integer(6, r.to);
      s.text_static(7, r.msg_type);
      if (auto e = epoch_of(r)) {
        s.integer(8, *e);
      } else {
        s.null(8);
      }
      s.integer(9, r.zxid);
      s.text_static(10, r.detail);
      s.run();
      ++written;
      if (++in_batch >= batch) commit();
    } catch (const RecordError& e) {
      // A listener cannot throw into the simulator: remember it, finish() reports it.
      failed = true;
      error = e.what();
    }
  }
  void commit() {
    if (in_batch == 0) return;
    db.exec("COMMIT");
    in_batch = 0;
  }
};

TraceRecorder::TraceRecorder(const std::string& path, RunInfo info, std::size_t batch) {
  std::remove(path.c_str());
  impl_ = std::make_shared<Impl>(path, batch == 0 ? 1 : batch);
  Db& db = impl_->db;
  // A recording is rebuilt by running the scenario again, so speed beats crash safety here.
  // Big pages: rows only ever go at the end of the table, and the indexes build faster.
  db.exec("PRAGMA page_size = 65536; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;");
  db.exec(kSchema);
  if (info.build_id.empty()) info.build_id = build_id();
  Statement run(db,
                "INSERT INTO runs (id, format_version, scenario_name, scenario_file, scenario_text, seed, build_id, "
                "config, bug) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)");
  run.integer(1, info.format_version);
  run.text(2, info.scenario_name);
  run.text(3, info.scenario_file);
  run.text(4, info.scenario_text);
  run.text(5, info.seed);
  run.text(6, info.build_id);
  run.text(7, info.config.empty() ? "{}" : info.config);
  run.text(8, info.bug);
  run.run();
  impl_->insert = std::make_unique<Statement>(
      db,
      "INSERT INTO events (seq, time_ns, kind, node, from_node, to_node, msg_type, epoch, zxid, detail) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
}

TraceRecorder::~TraceRecorder() {
  if (!impl_->finished) {
    try {
      impl_->commit();
    } catch (const RecordError&) {
    }
  }
}

void TraceRecorder::attach(Trace& trace) {
  for (const auto& r : trace.records()) impl_->add(r);
  std::weak_ptr<Impl> weak = impl_;
  trace.subscribe([weak](const TraceRecord& r) {
    if (auto impl = weak.lock()) impl->add(r);
  });
}

void TraceRecorder::add(const TraceRecord& record) { impl_->add(record); }

void TraceRecorder::flush() {
  if (impl_->finished || impl_->failed) return;
  try {
    impl_->commit();
  } catch (const RecordError& e) {
    impl_->failed = true;
    impl_->error = e.what();
  }
}

std::uint64_t TraceRecorder::written() const { return impl_->written; }

void TraceRecorder::finish(const std::string& verdict, const std::string& violation_json, const std::string& trace_hash) {
  Impl& impl = *impl_;
  if (impl.finished) return;
  if (impl.failed) throw RecordError("recording failed: " + impl.error);
  impl.commit();
  impl.finished = true;
  impl.insert.reset();
  impl.db.exec(kIndexes);
  Statement s(impl.db, "UPDATE runs SET verdict = ?, violation = ?, trace_hash = ?, event_count = ? WHERE id = 1");
  s.text(1, verdict);
  if (violation_json.empty()) {
    s.null(2);
  } else {
    s.text(2, violation_json);
  }
  s.text(3, trace_hash);
  s.integer(4, static_cast<std::int64_t>(impl.written));
  s.run();
}

RunInfo read_run_info(const std::string& path) {
  Db db(path, SQLITE_OPEN_READONLY);
  return read_run(db, path);
}

namespace {

// One row of the events table (the columns of kEventColumns, in order).
void read_event(const Statement& s, TraceRecord& r) {
  r.seq = static_cast<std::uint64_t>(s.column_int(0));
  r.time_ns = s.column_int(1);
  r.kind = s.column_text(2);
  r.node = s.column_int(3);
  r.from = s.column_int(4);
  r.to = s.column_int(5);
  r.msg_type = s.column_text(6);
  r.zxid = s.column_int(7);
  r.detail = s.column_text(8);
}

constexpr const char* kEventColumns = "seq, time_ns, kind, node, from_node, to_node, msg_type, zxid, detail";

}  // namespace

struct EventReader::Impl {
  explicit Impl(const std::string& path)
      // NOMUTEX: one thread reads; a mutex per column read was 4% of opening a big trace.
      : db(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX), tables(require_recording(db, path)), run(read_run(db, path)) {
    if (run.event_count > 0) {  // 0: not finished (a killed recorder), or empty
      count = static_cast<std::uint64_t>(run.event_count);
    } else {
      Statement c(db, ("SELECT count(*) FROM " + tables.events).c_str());
      count = c.row() ? static_cast<std::uint64_t>(c.column_int(0)) : 0;
    }
    restart();
  }
  void restart() {
    rows.reset();  // finalize before preparing again
    rows = std::make_unique<Statement>(db, ("SELECT " + std::string(kEventColumns) + " FROM " + tables.events + " ORDER BY seq").c_str());
    done = false;
  }
  Db db;
  TableNames tables;
  RunInfo run;
  std::uint64_t count = 0;
  std::unique_ptr<Statement> rows;
  bool done = false;
};

EventReader::EventReader(const std::string& path) : impl_(std::make_unique<Impl>(path)) {}
EventReader::~EventReader() = default;
const RunInfo& EventReader::run() const { return impl_->run; }
std::uint64_t EventReader::count() const { return impl_->count; }
bool EventReader::done() const { return impl_->done; }
void EventReader::restart() { impl_->restart(); }

std::size_t EventReader::read(std::size_t max, std::vector<TraceRecord>& out) {
  std::size_t n = 0;
  while (n < max && !impl_->done) {
    if (!impl_->rows->row()) {
      impl_->done = true;
      break;
    }
    read_event(*impl_->rows, out.emplace_back());
    ++n;
  }
  return n;
}

void for_each_event(const std::string& path, const std::function<void(const TraceRecord&)>& fn) {
  EventReader reader(path);
  std::vector<TraceRecord> batch;
  while (!reader.done()) {
    batch.clear();
    reader.read(4096, batch);
    for (const TraceRecord& r : batch) fn(r);
  }
}

Recording read_recording(const std::string& path) {
  Recording out;
  out.run = read_run_info(path);
  for_each_event(path, [&](const TraceRecord& r) { out.events.push_back(r); });
  return out;
}

}  // namespace zablab::sim::record
