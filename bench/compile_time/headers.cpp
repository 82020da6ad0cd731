// Compile-time floor of a typegrad program: the umbrella header alone, nothing instantiated.
#include <typegrad/typegrad.hpp>

int main() { return 0; }
