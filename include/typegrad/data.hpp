#pragma once
// typegrad::data: datasets read from CSV files, standardisation (of features and of a regression
// target), random splits, shuffled mini-batches, and the feed that checks a batch against a model (see docs/data.md).

#include <typegrad/data/batches.hpp>
#include <typegrad/data/compiled.hpp>
#include <typegrad/data/csv.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/data/feed.hpp>
#include <typegrad/data/split.hpp>
#include <typegrad/data/target_scaler.hpp>
