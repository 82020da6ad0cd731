#pragma once
// The one place typegrad includes xsimd, with the compiler workarounds it needs.
//
// GCC 12.2 with AVX-512 enabled (-march=native on such a machine) warns "'__Y' is used
// uninitialized" / "may be used uninitialized" inside its own avx512fintrin.h wherever xsimd's
// AVX-512 kernels (exp, sqrt, select, ...) are inlined: GCC bug 105593, fixed in GCC 13. The
// warnings are false positives in the compiler's header; they are silenced for xsimd only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <xsimd/xsimd.hpp>
#pragma GCC diagnostic pop
#else
#include <xsimd/xsimd.hpp>
#endif
