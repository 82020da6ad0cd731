#pragma once
// Every learning-rate scheduler (torch.optim.lr_scheduler, 1.13).

#include <typegrad/optim/schedulers/constant_lr.hpp>
#include <typegrad/optim/schedulers/cosine_annealing_lr.hpp>
#include <typegrad/optim/schedulers/cosine_annealing_warm_restarts.hpp>
#include <typegrad/optim/schedulers/cyclic_lr.hpp>
#include <typegrad/optim/schedulers/exponential_lr.hpp>
#include <typegrad/optim/schedulers/lambda_lr.hpp>
#include <typegrad/optim/schedulers/linear_lr.hpp>
#include <typegrad/optim/schedulers/multi_step_lr.hpp>
#include <typegrad/optim/schedulers/one_cycle_lr.hpp>
#include <typegrad/optim/schedulers/polynomial_lr.hpp>
#include <typegrad/optim/schedulers/reduce_lr_on_plateau.hpp>
#include <typegrad/optim/schedulers/sequential_lr.hpp>
#include <typegrad/optim/schedulers/step_lr.hpp>
