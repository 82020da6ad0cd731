#include "resume.hpp"
int main(int argc, char** argv) { return resume::main_for<float>(argc, argv); }
