#pragma once
// The command line every example shares: [--epochs N] [--data FILE] [--check] [--save FILE]
// [--resume FILE] (where the example saves checkpoints) [--threads N] (where it trains on threads).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace example {

struct options {
    int epochs;
    std::string data;      // the CSV file to train on
    bool check = false;    // exit non-zero unless the example learns (the tests run it so)
    std::string save{};    // a checkpoint to write after every epoch ("" for none)
    std::string resume{};  // a checkpoint to start from ("" for none)
    unsigned threads = 1;  // the threads to train on (0: every core)
};

//! Reads the command line over `defaults`; prints the usage and exits 2 on anything else.
inline options parse(int argc, char** argv, const char* name, options defaults) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--epochs" && i + 1 < argc)
            defaults.epochs = std::atoi(argv[++i]);
        else if (arg == "--data" && i + 1 < argc)
            defaults.data = argv[++i];
        else if (arg == "--check")
            defaults.check = true;
        else if (arg == "--save" && i + 1 < argc)
            defaults.save = argv[++i];
        else if (arg == "--resume" && i + 1 < argc)
            defaults.resume = argv[++i];
        else if (arg == "--threads" && i + 1 < argc)
            defaults.threads = static_cast<unsigned>(std::atoi(argv[++i]));
        else {
            std::fprintf(stderr,
                         "usage: %s [--epochs N] [--data FILE] [--check] [--save FILE] [--resume FILE] [--threads N]\n",
                         name);
            std::exit(2);
        }
    }
    return defaults;
}

}  // namespace example
