#include "gui/model/source.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>

#include "core/quorum/quorum_peer.h"
#include "sim/quorum_kind.h"
#include "gui/model/background_reader.h"
#include "sim/record/trace_db.h"
#include "sim/scenario/runner.h"
#include "sim/world.h"

namespace zablab::gui {

bool TraceSource::apply(const Command&, std::string& error) {
  error = "a recorded trace cannot be changed: commands need a live world";
  return false;
}

// ------------------------------------------------------------------------------ trace files

namespace {

bool is_sqlite(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char header[16] = {};
  in.read(header, sizeof header);
  return in.gcount() == 16 && std::string(header, 15) == "SQLite format 3";
}

bool load_text(const std::string& path, std::vector<TraceRecord>& out, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot open " + path;
    return false;
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    auto r = sim::from_line(line);
    if (!r) {
      error = path + ":" + std::to_string(number) + ": not a trace record";
      return false;
    }
    out.push_back(std::move(*r));
  }
  return true;
}

// "scenario, seed N, verdict" from a recording's run row.
std::string title_of(const sim::record::RunInfo& run) {
  std::string title = run.scenario_name;
  if (!run.seed.empty()) title += (title.empty() ? "" : ", ") + std::string("seed ") + run.seed;
  if (!run.verdict.empty()) title += ", " + run.verdict;
  return title;
}

}  // namespace

bool save_trace_text(const std::string& path, const std::vector<TraceRecord>& records, std::string& error) {
  std::ofstream out(path);
  if (!out) {
    error = "cannot write " + path;
    return false;
  }
  for (const auto& r : records) out << sim::to_line(r) << '\n';
  out.flush();
  if (!out) {
    error = "error writing " + path;
    return false;
  }
  return true;
}

ReplaySource::ReplaySource(std::string name, std::vector<TraceRecord> records)
    : name_(std::move(name)), records_(std::move(records)), count_(records_.size()) {}

ReplaySource::ReplaySource(std::string name, std::unique_ptr<sim::record::EventReader> reader)
    : name_(std::move(name)), reader_(std::make_unique<BackgroundReader>(std::move(reader))), count_(reader_->count()) {}

ReplaySource::~ReplaySource() = default;

std::unique_ptr<ReplaySource> ReplaySource::open(const std::string& path, std::string& error) {
  const auto slash = path.find_last_of('/');
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  if (is_sqlite(path)) {
    try {
      auto reader = std::make_unique<sim::record::EventReader>(path);
      if (const std::string title = title_of(reader->run()); !title.empty()) name += " (" + title + ")";
      return std::make_unique<ReplaySource>(std::move(name), std::move(reader));
    } catch (const std::exception& e) {
      error = path + ": " + e.what();
      return nullptr;
    }
  }
  std::vector<TraceRecord> records;
  if (!load_text(path, records, error)) return nullptr;
  return std::make_unique<ReplaySource>(std::move(name), std::move(records));
}

std::unique_ptr<ReplaySource> run_scenario_file(const std::string& path, std::optional<std::uint64_t> seed,
                                                std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot open " + path;
    return nullptr;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto parsed = sim::scenario::parse_scenario(text, path);
  if (!parsed.scenario) {
    error = parsed.describe(path);
    return nullptr;
  }
  sim::scenario::RunOptions options;
  options.seed = seed;
  auto records = std::make_shared<std::vector<TraceRecord>>();
  options.on_world = [records](sim::World& world) {
    // The records the world has made already (its configuration), then every new one.
    for (const auto& r : world.trace().records()) records->push_back(r);
    world.trace().subscribe([records](const TraceRecord& r) { records->push_back(r); });
  };
  const auto result = sim::scenario::run_scenario(*parsed.scenario, options);
  const auto slash = path.find_last_of('/');
  std::string name = "scenario " + (slash == std::string::npos ? path : path.substr(slash + 1));
  name += " (seed " + std::to_string(result.seed) + ", " + result.verdict() + ")";
  return std::make_unique<ReplaySource>(std::move(name), std::move(*records));
}

std::string ReplaySource::description() const {
  const std::string error = reader_ ? reader_->error() : std::string();
  return "replay " + name_ + " (" + std::to_string(count_) + " records" + (error.empty() ? "" : "; " + error) + ")";
}

bool ReplaySource::loading() const { return reader_ ? !reader_->done() : pulled_ < records_.size(); }

std::size_t ReplaySource::pull(Timeline& timeline) {
  const std::size_t before = timeline.size();
  if (reader_) {
    std::size_t skip = 0;
    if (before != pulled_) {
      // Another timeline (a reopened view): read from the start again, past what it has.
      reader_->restart();
      skip = before;
    }
    if (before == 0) timeline.reserve(count_);
    do {
      batch_.clear();
      reader_->take(kChunk, batch_);
      const std::size_t skipped = std::min(skip, batch_.size());
      skip -= skipped;
      for (std::size_t i = skipped; i < batch_.size(); ++i) timeline.append(std::move(batch_[i]));
    } while (skip > 0 && !reader_->done());
  } else {
    // Copied, not moved: a source can fill a fresh timeline again (a test, a reopened view).
    if (before == 0) timeline.reserve(records_.size());
    const std::size_t end = std::min(records_.size(), before + kChunk);
    for (std::size_t i = before; i < end; ++i) timeline.append(records_[i]);
  }
  pulled_ = timeline.size();
  return timeline.size() - before;
}

// ------------------------------------------------------------------------------ live

LiveSource::LiveSource(LiveOptions options) : options_(options) { build(); }

void LiveSource::build() {
  sim::WorldOptions o;
  o.seed = options_.seed;
  o.server.tick_time_ms = options_.tick_time_ms;
  sim::configure_ensemble(o, options_.voters, options_.observers);
  writers_.clear();
  manual_writes_ = 0;
  world_.reset();  // the taps forget the old world's connections below
  taps_ = std::make_unique<DecodingTaps>();
  world_ = std::make_unique<sim::World>(o);
  if (options_.decode_messages) taps_->install(*world_);
  world_->start();
  for (int i = 0; i < options_.clients; ++i) {
    Command c;
    c.kind = CommandKind::add_client;
    std::string ignored;
    apply_to_world(c, ignored);
  }
}

LiveSource::~LiveSource() = default;

std::string LiveSource::description() const {
  std::string out = "live: " + std::to_string(options_.voters) + " voters";
  if (options_.observers) out += " + " + std::to_string(options_.observers) + " observers";
  out += ", " + std::to_string(writers_.size()) + " client" + (writers_.size() == 1 ? "" : "s") + ", seed " +
         std::to_string(options_.seed);
  return out;
}

const sim::World* LiveSource::world() const { return world_.get(); }

std::optional<LivePeerInfo> LiveSource::live_peer(EndpointId id) const {
  const auto ids = world_->servers();
  if (std::find(ids.begin(), ids.end(), id) == ids.end()) return std::nullopt;
  LivePeerInfo info;
  sim::ServerHost& host = world_->server_host(id);
  info.up = host.up();
  const auto* peer = dynamic_cast<const quorum::QuorumPeer*>(host.node());
  if (!info.up || !peer) return info;
  std::string role(quorum::state_name(peer->state()));
  info.role = role;
  info.accepted_epoch = peer->accepted_epoch();
  info.current_epoch = peer->current_epoch();
  info.last_logged = peer->last_logged_zxid();
  info.last_applied = peer->tree().last_processed_zxid();
  info.uncommitted = peer->uncommitted();
  info.logical_clock = peer->election().logical_clock();
  info.znodes = peer->tree().node_count();
  info.connections = peer->connection_count();
  return info;
}
sim::World& LiveSource::mutable_world() { return *world_; }

std::size_t LiveSource::pull(Timeline& timeline) {
  const auto& records = world_->trace().records();
  const std::size_t before = timeline.size();
  timeline.append_all(records, before);
  return timeline.size() - before;
}

std::optional<Nanos> LiveSource::next_write_due() {
  std::optional<Nanos> due;
  for (const auto& w : writers_) {
    if (w.pending_op != 0 || !world_->up(w.client)) continue;
    auto& c = world_->client(w.client);
    if (c.state() != client::State::connected) continue;
    due = due ? std::min(*due, w.next_due) : w.next_due;
  }
  return due;
}

void LiveSource::drive_workload() {
  const Nanos now = world_->now();
  for (auto& w : writers_) {
    if (!world_->up(w.client)) continue;
    if (w.pending_op != 0) {
      if (!world_->done(w.pending_op)) continue;
      w.pending_op = 0;
      w.next_due = now + sim::kMillisecond * options_.write_every_ms;
    }
    if (now < w.next_due || world_->client(w.client).state() != client::State::connected) continue;
    const std::string base = "/" + endpoint_name(w.client);
    const int k = w.count++;
    if (k == 0)
      w.pending_op = world_->create(w.client, base, "v0", 0);
    else if (k % 3 == 2)
      w.pending_op = world_->set_data(w.client, base, "v" + std::to_string(k));
    else
      w.pending_op = world_->create(w.client, base + "/n" + std::to_string(k), "v" + std::to_string(k), 0);
  }
}

bool LiveSource::advance() {
  const bool ok = advance_world();
  log(Input::of(Input::Kind::advance));
  return ok;
}

bool LiveSource::run_to(Nanos t) {
  const bool ok = run_world_to(t);
  Input in = Input::of(Input::Kind::run_to);
  in.time = t;
  log(std::move(in));
  return ok;
}

bool LiveSource::apply(const Command& c, std::string& error) {
  const bool ok = apply_to_world(c, error);
  Input in = Input::of(Input::Kind::command);
  in.command = c;
  log(std::move(in));
  return ok;
}

bool LiveSource::advance_world() {
  auto& trace = world_->trace();
  const std::uint64_t before = trace.size();
  for (int i = 0; i < 2'000'000 && trace.size() == before; ++i) {
    drive_workload();
    if (trace.size() != before) break;
    const auto next = world_->sim().next_time();
    const auto due = next_write_due();
    if (due && (!next || *due < *next)) {
      world_->run_until(std::max(*due, world_->now()));
      continue;
    }
    if (!world_->step()) return false;
  }
  return trace.size() > before;
}

bool LiveSource::run_world_to(Nanos t) {
  for (int i = 0; i < 50'000'000 && world_->now() < t; ++i) {
    drive_workload();
    const auto next = world_->sim().next_time();
    const auto due = next_write_due();
    Nanos target = t;
    if (next) target = std::min(target, *next);
    if (due) target = std::min(target, std::max(*due, world_->now()));
    if (next && *next == target) {
      world_->step();
    } else {
      world_->run_until(target);
      if (target == t) break;
    }
  }
  return true;
}

bool LiveSource::apply_to_world(const Command& c, std::string& error) {
  sim::World& w = *world_;
  auto server_ok = [&](EndpointId id) {
    const auto ids = w.servers();
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
      error = "no server " + std::to_string(id);
      return false;
    }
    return true;
  };
  switch (c.kind) {
    case CommandKind::crash:
      if (!server_ok(c.a)) return false;
      if (!w.up(c.a)) {
        error = endpoint_name(c.a) + " is already down";
        return false;
      }
      w.crash(c.a);
      return true;
    case CommandKind::kill:
    case CommandKind::power_off:
      // The scenario language's `kill` and `power-off` (docs/scenarios.md, "Crashes").
      if (!server_ok(c.a)) return false;
      if (!w.up(c.a)) {
        error = endpoint_name(c.a) + " is already down";
        return false;
      }
      if (c.kind == CommandKind::kill) {
        w.server_host(c.a).kill("kill");
      } else {
        w.server_host(c.a).power_off("power-off");
      }
      return true;
    case CommandKind::restart:
      if (!server_ok(c.a)) return false;
      if (w.up(c.a)) {
        error = endpoint_name(c.a) + " is running; crash it first";
        return false;
      }
      w.restart(c.a);
      return true;
    case CommandKind::isolate:
      w.isolate(c.a);
      return true;
    case CommandKind::partition:
      if (c.groups.size() < 2) {
        error = "a partition needs two groups";
        return false;
      }
      w.partition(c.groups);
      return true;
    case CommandKind::heal:
      w.heal();
      return true;
    case CommandKind::block:
      w.block(c.a, c.b);
      return true;
    case CommandKind::unblock:
      w.unblock(c.a, c.b);
      return true;
    case CommandKind::write: {
      EndpointId client = c.a;
      if (client == kNoEndpoint && !writers_.empty()) client = writers_.front().client;
      if (client == kNoEndpoint || !w.up(client)) {
        error = "no running client";
        return false;
      }
      const std::string path = c.text.empty() ? "/manual" + std::to_string(++manual_writes_) : c.text;
      w.create(client, path, "x", 0);
      return true;
    }
    case CommandKind::add_client: {
      client::ClientOptions o;
      o.session_timeout_ms = 4 * options_.tick_time_ms;
      Writer wr;
      wr.client = w.add_client(o);
      wr.next_due = w.now() + sim::kMillisecond * options_.write_every_ms;
      writers_.push_back(wr);
      return true;
    }
    case CommandKind::drop_client:
    case CommandKind::client_op:
      return apply_client_command(c, error);
  }
  error = "unknown command";
  return false;
}

}  // namespace zablab::gui
