#pragma once
//! Layers as types: `tg::sequential`, `tg::dense`, and the modules in `tg::layers` (torch.nn's names).
#include <typegrad/layers/sequential.hpp>
