#pragma once
//! @file
//! typegrad::data: datasets read from CSV files, standardisation, random splits and
//! shuffled mini-batches (see docs/data.md).

#include <typegrad/data/batches.hpp>
#include <typegrad/data/csv.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/data/split.hpp>
