// tg::export_header given a model whose batch normalisation is not the one of the loss the
// Parameters were made from (the same parameters, another operand): they hold no running
// statistics for it.
// expect: typegrad: export_header: the model has a batch normalisation \(its weight named below\) that the loss of these Parameters does not have
// expect: export_header_running_statistics_of_another_model<typegrad::error::name<'b', 'n', '\.', 'w', 'e', 'i', 'g', 'h', 't'> ?>
#include <typegrad/deploy/export_header.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto hidden = tg::linear<"fc", 4, 4>(tg::input<"x", 4>);
constexpr auto model = tg::batch_norm<"bn", 4>(hidden);
constexpr auto loss = tg::mse(tg::sum(model), tg::target<"y">);

void deploy(const tg::Parameters<decltype(loss)>& params) {
#ifndef TYPEGRAD_COMPILE_FAIL
    tg::export_header("model.hpp", model, params);
#else
    tg::export_header("model.hpp", tg::batch_norm<"bn", 4>(tg::tanh(hidden)), params);
#endif
}
