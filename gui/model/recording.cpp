// Controller::record_session: the session so far (live or replayed) written as a trace.db with
// sim/record's recorder, so `zablab-viz --trace` and `zablab-sim replay` open it.
#include "gui/model/controller.h"
#include "sim/record/trace_db.h"

namespace zablab::gui {

bool Controller::record_session(const std::string& path, std::string& error) const {
  if (path.empty()) {
    error = "no file name";
    return false;
  }
  try {
    sim::record::RunInfo info;
    info.scenario_name = "zablab-viz session: " + source_->description();
    info.config = "{}";
    sim::record::TraceRecorder recorder(path, info);
    // The hash is sim::Trace's over the same records (what a replay of the file computes).
    sim::Trace hashed;
    hashed.set_retain(false);
    for (const auto& r : timeline_.records()) {
      recorder.add(r);
      hashed.add(r);
    }
    recorder.finish("RECORDED (not checked: a session recorded from zablab-viz)", "", hashed.hash_hex());
    return true;
  } catch (const std::exception& e) {
    error = path + ": " + e.what();
    return false;
  }
}

}  // namespace zablab::gui
