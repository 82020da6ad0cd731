#pragma once
// TYPEGRAD_NS: the namespace every typegrad header opens. By default `typegrad` itself. When a
// program compiles typegrad in several translation units for different SIMD targets (one per
// instruction set, chosen at run time: docs/performance.md, "Portable binaries"), each of those
// units defines TYPEGRAD_ARCH_NAMESPACE, and everything typegrad declares goes into an inline
// namespace named after the unit's target, typegrad::arch_avx2, typegrad::arch_avx512bw, ...:
// the same template instantiated for two targets then has two names, and the linker keeps both
// instead of merging them (one definition rule). Code written against `typegrad::` is unchanged.
#include <xsimd/config/xsimd_config.hpp>

#if defined(TYPEGRAD_ARCH_NAMESPACE)
#if XSIMD_WITH_AVX512BW
#define TYPEGRAD_NS typegrad::inline arch_avx512bw
#elif XSIMD_WITH_AVX512DQ
#define TYPEGRAD_NS typegrad::inline arch_avx512dq
#elif XSIMD_WITH_AVX512CD
#define TYPEGRAD_NS typegrad::inline arch_avx512cd
#elif XSIMD_WITH_AVX512F
#define TYPEGRAD_NS typegrad::inline arch_avx512f
#elif XSIMD_WITH_FMA3_AVX2
#define TYPEGRAD_NS typegrad::inline arch_fma3_avx2
#elif XSIMD_WITH_AVX2
#define TYPEGRAD_NS typegrad::inline arch_avx2
#elif XSIMD_WITH_FMA3_AVX
#define TYPEGRAD_NS typegrad::inline arch_fma3_avx
#elif XSIMD_WITH_AVX
#define TYPEGRAD_NS typegrad::inline arch_avx
#elif XSIMD_WITH_FMA3_SSE
#define TYPEGRAD_NS typegrad::inline arch_fma3_sse4_2
#elif XSIMD_WITH_SSE4_2
#define TYPEGRAD_NS typegrad::inline arch_sse4_2
#elif XSIMD_WITH_SSE4_1
#define TYPEGRAD_NS typegrad::inline arch_sse4_1
#elif XSIMD_WITH_SSSE3
#define TYPEGRAD_NS typegrad::inline arch_ssse3
#elif XSIMD_WITH_SSE3
#define TYPEGRAD_NS typegrad::inline arch_sse3
#elif XSIMD_WITH_SSE2
#define TYPEGRAD_NS typegrad::inline arch_sse2
#elif XSIMD_WITH_NEON64
#define TYPEGRAD_NS typegrad::inline arch_neon64
#elif XSIMD_WITH_NEON
#define TYPEGRAD_NS typegrad::inline arch_neon
#else
#define TYPEGRAD_NS typegrad::inline arch_scalar
#endif
#else
#define TYPEGRAD_NS typegrad
#endif
