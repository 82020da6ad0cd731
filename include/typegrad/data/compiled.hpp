#pragma once
//! @file
//! The data layer compiled once instead of in every program (docs/compile_time.md). With
//! `TYPEGRAD_DATA_COMPILED` defined, a program that includes `<typegrad/data.hpp>` (or the umbrella
//! header) does not compile the CSV reader, the dataset, the standardiser, the split and the data
//! checks for float and double: it declares them (explicit instantiation declarations) and links
//! them from one translation unit that defines `TYPEGRAD_DATA_INSTANTIATE` before including this
//! header. With CMake, link `typegrad::data_compiled` instead of `typegrad::typegrad`: it defines
//! both. Nothing changes in what the functions do; without either macro this header is empty.
//! The instantiating translation unit must be compiled with the program's exceptions setting.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <utility>

#include <typegrad/data/csv.hpp>
#include <typegrad/data/dataset.hpp>
#include <typegrad/data/split.hpp>
#include <typegrad/detail/arch.hpp>

#if defined(TYPEGRAD_DATA_INSTANTIATE)
#define TYPEGRAD_DATA_EXTERN
#elif defined(TYPEGRAD_DATA_COMPILED)
#define TYPEGRAD_DATA_EXTERN extern
#endif

#ifdef TYPEGRAD_DATA_EXTERN
// clang-format off
#define TYPEGRAD_DATA_FOR(T)                                                                                       \
    TYPEGRAD_DATA_EXTERN template class basic_dataset<T>;                                                          \
    TYPEGRAD_DATA_EXTERN template struct standardizer<T>;                                                          \
    TYPEGRAD_DATA_EXTERN template result<basic_dataset<T>, csv_error> detail::parse_csv_text<T>(                   \
        std::string_view, const std::filesystem::path&, const csv_options&);                                       \
    TYPEGRAD_DATA_EXTERN template result<basic_dataset<T>, csv_error> detail::read_csv_file<T>(                    \
        const char*, const std::filesystem::path&, const csv_options&);                                            \
    TYPEGRAD_DATA_EXTERN template result<basic_dataset<T>, csv_error> detail::parse_csv_checked<T>(                \
        const char*, std::string_view, const csv_options&, const std::filesystem::path&);                          \
    TYPEGRAD_DATA_EXTERN template basic_dataset<T> detail::select_rows<T>(const basic_dataset<T>&,                 \
                                                                         std::span<const std::uint32_t>);          \
    TYPEGRAD_DATA_EXTERN template std::pair<basic_dataset<T>, basic_dataset<T>> split<T>(const basic_dataset<T>&,  \
                                                                                          double, std::uint64_t);  \
    TYPEGRAD_DATA_EXTERN template void check_class_targets<T>(const basic_dataset<T>&, std::size_t);               \
    TYPEGRAD_DATA_EXTERN template void check_finite<T>(const basic_dataset<T>&, bool);
// clang-format on
namespace TYPEGRAD_NS::data {
TYPEGRAD_DATA_FOR(float)
TYPEGRAD_DATA_FOR(double)
}  // namespace TYPEGRAD_NS::data
#undef TYPEGRAD_DATA_FOR
#undef TYPEGRAD_DATA_EXTERN
#endif
