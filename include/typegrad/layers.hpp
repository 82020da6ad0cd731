#pragma once
// Layers as types: `tg::sequential` and the library's layers, `tg::Linear`, `tg::Tanh`, `tg::ReLU`,
// `tg::Sigmoid`, `tg::Softplus` (torch.nn's names).
#include <typegrad/layers/catalogue.hpp>
#include <typegrad/layers/sequential.hpp>
