#pragma once
// Loads and stores of the first n < B::size elements of a vector, touching no memory beyond them:
// the tail of a slice whose length is not a whole number of vectors. Masked instructions where the
// target has them (AVX-512, AVX); elsewhere a copy through an aligned buffer.
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <typegrad/detail/arch.hpp>
#include <typegrad/detail/xsimd.hpp>

namespace TYPEGRAD_NS::detail {

#if XSIMD_WITH_AVX2
namespace partial_detail {
// Which masked instructions the batch type B can use.
template <class B>
inline constexpr bool avx512 = std::is_base_of_v<xsimd::avx512f, typename B::arch_type>;
template <class B>
inline constexpr bool avx2_only = std::is_base_of_v<xsimd::avx2, typename B::arch_type> && !avx512<B>;

// Lanes [0, n) set: an AVX mask (sign bit of each lane).
template <class T>
inline auto avx_mask(std::size_t n) {
    if constexpr (sizeof(T) == 4) {
        const __m256i ids = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), ids);
    } else {
        const __m256i ids = _mm256_setr_epi64x(0, 1, 2, 3);
        return _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<long long>(n)), ids);
    }
}
}  // namespace partial_detail
#endif

//! Lanes [0, n) from p[0 .. n), the others zero. n < B::size.
template <class B>
inline B load_first(const typename B::value_type* p, std::size_t n) {
    using T = typename B::value_type;
#if XSIMD_WITH_AVX512F
    if constexpr (partial_detail::avx512<B>) {
        if constexpr (sizeof(T) == 4)
            return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1), p);
        else
            return _mm512_maskz_loadu_pd(static_cast<__mmask8>((1u << n) - 1), p);
    }
#endif
#if XSIMD_WITH_AVX2
    // _mm256_cmpgt_epi64 and the integer compares need AVX2.
    if constexpr (partial_detail::avx2_only<B>) {
        if constexpr (sizeof(T) == 4)
            return _mm256_maskload_ps(p, partial_detail::avx_mask<T>(n));
        else
            return _mm256_maskload_pd(p, partial_detail::avx_mask<T>(n));
    }
#endif
    alignas(64) T buffer[B::size] = {};
    for (std::size_t i = 0; i < n; ++i)
        buffer[i] = p[i];
    return B::load_aligned(buffer);
}

//! Writes lanes [0, n) of b to p[0 .. n) and nothing else. n < B::size.
template <class B>
inline void store_first(typename B::value_type* p, std::size_t n, const B& b) {
    using T = typename B::value_type;
#if XSIMD_WITH_AVX512F
    if constexpr (partial_detail::avx512<B>) {
        if constexpr (sizeof(T) == 4)
            _mm512_mask_storeu_ps(p, static_cast<__mmask16>((1u << n) - 1), b);
        else
            _mm512_mask_storeu_pd(p, static_cast<__mmask8>((1u << n) - 1), b);
        return;
    }
#endif
#if XSIMD_WITH_AVX2
    if constexpr (partial_detail::avx2_only<B>) {
        if constexpr (sizeof(T) == 4)
            _mm256_maskstore_ps(p, partial_detail::avx_mask<T>(n), b);
        else
            _mm256_maskstore_pd(p, partial_detail::avx_mask<T>(n), b);
        return;
    }
#endif
    alignas(64) T buffer[B::size];
    b.store_aligned(buffer);
    for (std::size_t i = 0; i < n; ++i)
        p[i] = buffer[i];
}

}  // namespace TYPEGRAD_NS::detail
