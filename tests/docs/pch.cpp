// The translation unit that builds the docs programs' precompiled headers (tests/docs/CMakeLists.txt).
