#pragma once
//! typegrad: models and losses as C++ expressions, gradients derived at compile time.
//! `#include <typegrad/typegrad.hpp>` and `namespace tg = typegrad;`.
#include <typegrad/autodiff/graph.hpp>
#include <typegrad/autodiff/program.hpp>
#include <typegrad/core/expr.hpp>
#include <typegrad/core/fixed_string.hpp>
#include <typegrad/core/param_info.hpp>
#include <typegrad/core/shape.hpp>
#include <typegrad/data.hpp>
#include <typegrad/functional.hpp>
#include <typegrad/gradcheck.hpp>
#include <typegrad/init/torch_default.hpp>
#include <typegrad/layers.hpp>
#include <typegrad/metrics.hpp>
#include <typegrad/ops/activations.hpp>
#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/linalg.hpp>
#include <typegrad/ops/loss.hpp>
#include <typegrad/ops/minmax.hpp>
#include <typegrad/ops/reduce.hpp>
#include <typegrad/ops/softmax.hpp>
#include <typegrad/optim.hpp>
#include <typegrad/parameters.hpp>
#include <typegrad/predict.hpp>
#include <typegrad/train/clip.hpp>
#include <typegrad/train/trainer.hpp>
