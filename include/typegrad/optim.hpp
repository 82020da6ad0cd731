#ifndef TYPEGRAD_OPTIM_HPP
#define TYPEGRAD_OPTIM_HPP

//! Optimisers (torch.optim, 1.13 numerics), the holder a trainer owns, and the schedulers.

#include <typegrad/optim/adadelta.hpp>
#include <typegrad/optim/adagrad.hpp>
#include <typegrad/optim/adam.hpp>
#include <typegrad/optim/adamax.hpp>
#include <typegrad/optim/adamw.hpp>
#include <typegrad/optim/asgd.hpp>
#include <typegrad/optim/nadam.hpp>
#include <typegrad/optim/optimizer.hpp>
#include <typegrad/optim/radam.hpp>
#include <typegrad/optim/rmsprop.hpp>
#include <typegrad/optim/rprop.hpp>
#include <typegrad/optim/schedulers.hpp>
#include <typegrad/optim/sgd.hpp>

#endif
