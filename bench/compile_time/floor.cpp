// Compile-time floor: what including typegrad's two dependencies alone costs (xsimd and
// Boost.Hana, with the standard library they pull in). Every typegrad program pays at least this.
#include <boost/hana.hpp>
#include <xsimd/xsimd.hpp>

int main() { return 0; }
