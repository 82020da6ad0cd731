// The replay tool's answer for a model of kind "sequential": scripts/replay compiles such a case's
// architecture on demand, with tools/replay/sequential.py's definition in place of this file.
#include "run.hpp"

namespace typegrad::replay {

bool replay_generated(const reference_case&, const data::dataset&, trajectory&, std::string& why) {
    why = "model kind sequential is compiled per architecture: run it through scripts/replay";
    return false;
}

}  // namespace typegrad::replay
