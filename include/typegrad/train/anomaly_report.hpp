#pragma once
//! What anomaly mode reports (train/anomaly.hpp finds it): a plain struct, so that the trainer's
//! error can carry one without instantiating anything.
#include <charconv>
#include <cstddef>
#include <string>

#include <typegrad/detail/text.hpp>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS {

//! The pass in which anomaly mode met the first non-finite number.
enum class anomaly_pass {
    forward,  //!< a node's value (or a leaf: a parameter, a feature, a target)
    backward  //!< the adjoint (gradient) an op sends to one of its operands
};

//! What anomaly mode found: the first op that made a NaN or an infinity from finite numbers.
struct anomaly_report {
    anomaly_pass pass = anomaly_pass::forward;
    //! The op's name as its builder spells it ("log", "/", "sqrt", "exp"); for a leaf whose value is
    //! not finite, its kind ("parameter", "input", "target", "constant").
    std::string op;
    //! The sub-expression the op heads, written back as code (tg::to_string): "log(x)".
    std::string expression;
    //! Backward: the operand whose adjoint became non-finite, as code ("fc.weight", "square(x - y)").
    std::string operand;
    //! The whole loss, as code: the enclosing expression.
    std::string loss;
    //! The parameter element at fault ("fc.weight[3]", the flat index as the trainer's messages
    //! write it): the one whose value is not finite (forward), or whose gradient the op made
    //! non-finite (backward); empty otherwise.
    std::string param;
    //! The element of the op's result (forward) or of the operand's adjoint (backward) first met.
    std::size_t element = 0;
    //! That element's value: NaN or ±inf.
    double value = 0;
    //! The finite numbers it came from, as text: the operands' elements (forward), then the
    //! incoming gradient and the result (backward).
    std::string from;
    //! The data row re-run (set by the trainer; 0 for tg::find_anomaly).
    std::size_t row = 0;
    //! The number of step() calls made before (set by the trainer; 0 for tg::find_anomaly).
    std::size_t step = 0;

    //! One sentence for an error message (no "typegrad:" prefix).
    [[gnu::cold]] std::string message() const {
        using detail::cat;
        using detail::decimal;
        const std::string head = cat({"anomaly mode, data row ", decimal(row), " at step ", decimal(step), ": "});
        const std::string bad = number(value);
        if (pass == anomaly_pass::forward &&
            (op == "parameter" || op == "input" || op == "target" || op == "constant")) {
            const bool row_element = op != "parameter" && op != "constant";
            return cat({head, "the ", op, " '", param.empty() ? expression : param, "' is ", bad,
                        row_element ? cat({" (element ", decimal(element), " of the row)"}) : std::string(),
                        ", in the loss ", loss});
        }
        if (pass == anomaly_pass::forward)
            return cat({head, "the first non-finite value is made by ", op, " in the forward pass: ", expression,
                        " is ", bad, " at element ", decimal(element), ", from finite operands (", from,
                        "), in the loss ", loss});
        return cat({head, "the first non-finite gradient is made by ", op, " in the backward pass: the gradient that ",
                    expression, " sends to ",
                    param.empty() ? cat({"its operand ", operand, " is ", bad, " at element ", decimal(element)})
                                  : cat({"the parameter '", param, "' is ", bad}),
                    ", from finite values (", from, "), in the loss ", loss});
    }

    //! A number as the messages write it: the shortest text that reads back to it ("0", "-inf", "nan").
    [[gnu::cold, gnu::noinline]] static std::string number(double v) {
        char buffer[32];
        const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
        return std::string(buffer, end);
    }
};

}  // namespace TYPEGRAD_NS
