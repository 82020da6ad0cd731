#pragma once
// A compiled loss run over a batch by several threads, with the same bits for every thread count.
// The batch is cut into chunks whose size depends on the model and the batch's row count only,
// never on the threads; each chunk's gradient is swept into a buffer of its own (by whichever
// thread takes it), and the buffers are added into the gradients in chunk order, element by
// element. A batch of one chunk (every small batch) is swept straight into the gradients on the
// calling thread, exactly as program::backward does.
#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>

#include <typegrad/autodiff/block_kernels.hpp>
#include <typegrad/autodiff/program.hpp>
#include <typegrad/autodiff/samples.hpp>
#include <typegrad/detail/xsimd.hpp>
#include <typegrad/parallel/threads.hpp>

#include <typegrad/detail/arch.hpp>

namespace TYPEGRAD_NS::autodiff {

//! How a batch of `rows` rows is cut for a model of `params` parameter elements, in SIMD blocks of
//! `lanes` samples. A chunk is worth a thread when its work (rows times parameters, about the
//! multiply-adds of a dense model's sweep) is at least min_work, 2^23, against about three passes
//! over the parameters for its own buffer (written by the sweep, read and cleared by the reduction).
//! The chunks are a power of two, at most max_chunks = 8, so that 2, 4 and 8 threads get equal
//! shares: whole SIMD blocks, as equal as blocks allow (block b of B belongs to the chunk k with
//! first(k) <= b·lanes < first(k + 1)), which neither the threads nor the machine's cores decide.
//! More chunks would let more threads in, each paying for its buffer: on the 2-core development
//! machine, 15 chunks of 128 rows of the 64-256-256-10 model ran 6% slower on two threads than 8 of
//! 240, and the earlier rule's 29 chunks of 64 rows (10 MB of buffers) 10-25% slower (docs/scale.md).
struct chunking {
    static constexpr std::size_t min_work = std::size_t{1} << 23;
    static constexpr std::size_t max_chunks = 8;

    std::size_t rows = 0;
    std::size_t lanes = 1;
    std::size_t chunks = 0;

    //! `min_rows`: the fewest rows of a chunk (rounded up to whole blocks), or 0 for the default,
    //! min_work over the parameters.
    static constexpr chunking of(std::size_t rows, std::size_t params, std::size_t lanes,
                                 std::size_t min_rows = 0) noexcept {
        if (min_rows == 0)
            min_rows = min_work / std::max<std::size_t>(params, 1);
        min_rows = std::clamp<std::size_t>(min_rows, 1, std::size_t{1} << 24);
        min_rows = (min_rows + lanes - 1) / lanes * lanes;
        if (rows == 0)
            return {0, lanes, 0};
        const std::size_t blocks = (rows + lanes - 1) / lanes;
        std::size_t n = 1;
        while (2 * n <= max_chunks && 2 * n <= blocks && rows >= 2 * n * min_rows)
            n *= 2;
        return {rows, lanes, n};
    }

    //! The first row of chunk k (k <= chunks: first(chunks) is at or past the last row).
    constexpr std::size_t first(std::size_t k) const noexcept {
        const std::size_t blocks = (rows + lanes - 1) / lanes;
        return k * blocks / chunks * lanes;
    }
    //! The rows of chunk k.
    constexpr std::size_t count(std::size_t k) const noexcept { return std::min(first(k + 1), rows) - first(k); }
};

//! A training batch's workspaces, one per block, for a loss with batch-level nodes (grown when a
//! batch has more blocks than any before); nothing for any other loss.
template <class Program, bool = Program::batch_level>
struct block_storage {};
template <class Program>
struct block_storage<Program, true> {
    std::unique_ptr<typename Program::block_workspace[]> workspaces;
    std::size_t capacity = 0;
    typename Program::lane::value_type* buffers = nullptr;  // the running statistics training updates
};

//! The compiled loss `Program` (autodiff::program) run on up to threads() threads: backward() and
//! loss() with program's contracts, and the same results for every thread count. Owns the scratch
//! of every thread and the chunks' gradient buffers; allocates when the thread count is set and the
//! first time a batch needs more chunk buffers than before, never otherwise.
template <class Program>
class data_parallel {
public:
    using lane = typename Program::lane;
    using value_type = typename lane::value_type;
    static constexpr std::size_t lanes = Program::lanes;
    static constexpr std::size_t total = Program::layout::total;

    explicit data_parallel(unsigned threads = 1) { set_threads(threads); }

    //! Sets the threads (at least 1); allocates their scratch.
    void set_threads(unsigned threads) {
        threads = std::max(threads, 1u);
        auto scratch = std::make_unique<lane[]>(threads * Program::scratch_size);
        scratch_ = std::move(scratch);
        threads_ = threads;
    }
    unsigned threads() const noexcept { return threads_; }

    //! Where the running statistics of the loss's batch-level nodes are (the buffers after the
    //! parameters' values, tg::Parameters::buffers()), which a training batch updates; nothing for
    //! a loss without such a node.
    void set_buffers([[maybe_unused]] value_type* buffers) noexcept {
        if constexpr (Program::batch_level)
            blocks_.buffers = buffers;
    }

    //! Thread t's lane scratch (all zero between calls).
    lane* scratch(unsigned t = 0) const noexcept { return scratch_.get() + t * Program::scratch_size; }

    //! The fewest rows of a chunk (0: chunking's default for this model). A setting of the numbers'
    //! order of summation, like the batch size: the results depend on it, never on threads().
    void set_min_chunk_rows(std::size_t rows) noexcept { min_chunk_rows_ = rows; }
    std::size_t min_chunk_rows() const noexcept { return min_chunk_rows_; }

    //! The parameter elements one sample's sweep reads: all but the rows of embedding tables its
    //! indices do not name (all of them, for a table read at several columns).
    static constexpr std::size_t work_per_sample = [] {
        constexpr std::size_t unread = unread_per_sample_of(typename Program::nodes{});
        return unread < total ? total - unread : total;
    }();

    //! How a batch of `rows` rows is cut. With embedding tables, a chunk's work is its rows times
    //! work_per_sample, and it is also at least four times its buffer (zeroed, then added: two
    //! passes over every parameter), which a large table would otherwise make cost more than the
    //! chunk's own sweep.
    chunking chunks_of(std::size_t rows) const noexcept {
        if constexpr (work_per_sample == total) {
            return chunking::of(rows, total, lanes, min_chunk_rows_);
        } else {
            const std::size_t fewest = std::max(chunking::min_work, 4 * total) / work_per_sample;
            return chunking::of(rows, total, lanes,
                                min_chunk_rows_ ? min_chunk_rows_ : std::max<std::size_t>(fewest, 1));
        }
    }

    //! grads += d(mean loss over rows)/d(params); returns the mean loss (program::backward).
    value_type backward(const value_type* params, value_type* grads, const sample_source<value_type>& rows) {
        using T = value_type;
        if constexpr (Program::batch_level)
            if (rows.mode && rows.count > 0) {
                // A training batch through batch-level nodes is swept whole, on this thread.
                const std::size_t blocks = Program::blocks_of(rows.count);
                if (blocks > blocks_.capacity) {
                    blocks_.workspaces = std::make_unique<typename Program::block_workspace[]>(blocks);
                    blocks_.capacity = blocks;
                }
                const T n = static_cast<T>(rows.count);
                return Program::batch_sweep(params, grads, scratch(0), rows, T(1) / n, blocks_.workspaces.get(),
                                            blocks_.capacity, blocks_.buffers) /
                       n;
            }
        const chunking c = chunks_of(rows.count);
        if (c.chunks <= 1)
            return Program::backward(params, grads, scratch(0), rows);
        const T weight = T(1) / static_cast<T>(rows.count);
        // The chunks' buffers are all zero here: made so, and cleared as they are summed (a sweep
        // raises nothing: the data were checked when they were fed).
        reserve(threads_ == 1 ? 2 : c.chunks);
        if (threads_ == 1) {
            // One thread sweeps the chunks in order: chunk 0 into the buffer of the running sum, each
            // next one into a second buffer, added into the sum (and cleared) at once, while both are
            // in the cache. Element by element, the additions of reduce(), in that order: the bits of
            // any other thread count, from two buffers instead of one per chunk (a large model's
            // take megabytes, which the sweeps and the reduction would read and write past the L2
            // cache).
            T* const sum = chunk(0);
            T* const next = chunk(1);
            losses_[0] = Program::backward_sum(params, sum, scratch(0), part_of(rows, c, 0), weight);
            for (std::size_t k = 1; k < c.chunks; ++k) {
                losses_[k] = Program::backward_sum(params, next, scratch(0), part_of(rows, c, k), weight);
                add_and_clear(sum, next);
            }
            add_and_clear(grads, sum);
            return sum_in_order(losses_, c.chunks) / static_cast<T>(rows.count);
        }
        parallel::for_each_index(threads_, c.chunks, [&](std::size_t k, unsigned t) {
            T* const g = chunk(k);  // all zero: made so, or cleared by the last reduce
            losses_[k] = Program::backward_sum(params, g, scratch(t), part_of(rows, c, k), weight);
        });
        reduce(grads, c.chunks);
        return sum_in_order(losses_, c.chunks) / static_cast<T>(rows.count);
    }

    //! The mean loss over rows (program::loss), forward only.
    value_type loss(const value_type* params, const sample_source<value_type>& rows) const {
        using T = value_type;
        const chunking c = chunks_of(rows.count);
        if (c.chunks <= 1)
            return Program::loss(params, rows);
        std::array<T, chunking::max_chunks> sums{};
        parallel::for_each_index(threads_, c.chunks, [&](std::size_t k, unsigned) {
            sums[k] = Program::loss_sum(params, part_of(rows, c, k));
        });
        return sum_in_order(sums, c.chunks) / static_cast<T>(rows.count);
    }

private:
    // Elements of the gradient one thread adds up at a time in the reduction (whole vectors).
    static constexpr std::size_t reduce_piece = std::size_t{1} << 12;
    static constexpr std::size_t stride = (total + 15) / 16 * 16;

    value_type* chunk(std::size_t k) const noexcept { return chunks_.get() + k * stride; }

    void reserve(std::size_t chunks) {
        if (chunks <= capacity_)
            return;
        chunks_ = std::make_unique<value_type[]>(chunks * stride);
        capacity_ = chunks;
    }

    // grads[i] += ((g0[i] + g1[i]) + ...) + g(K-1)[i]: the same order for every element, however the
    // elements are shared out between threads. Each chunk's buffer is cleared as it is read, while
    // it is in the cache, so that the buffers are all zero when the next batch is swept into them
    // (a large model's take megabytes: a clearing pass of their own costs as much as the reading).
    void reduce(value_type* grads, std::size_t chunks) const {
        using T = value_type;
        const std::size_t pieces = (total + reduce_piece - 1) / reduce_piece;
        parallel::for_each_index(threads_, pieces, [&](std::size_t p, unsigned) {
            const std::size_t first = p * reduce_piece;
            const std::size_t end = std::min(first + reduce_piece, total);
            const lane zero(T(0));
            std::size_t i = first;
            for (; i + lanes <= end; i += lanes) {
                lane s = lane::load_unaligned(chunk(0) + i);
                zero.store_unaligned(chunk(0) + i);
                for (std::size_t k = 1; k < chunks; ++k) {
                    s += lane::load_unaligned(chunk(k) + i);
                    zero.store_unaligned(chunk(k) + i);
                }
                (lane::load_unaligned(grads + i) + s).store_unaligned(grads + i);
            }
            // Pieces are whole vectors but the last, which ends in total % lanes elements: none when
            // total is a whole number of vectors (and GCC then sees no loop that could run past it).
            if constexpr (total % lanes != 0)
                for (; i < end; ++i) {
                    T s = chunk(0)[i];
                    chunk(0)[i] = T(0);
                    for (std::size_t k = 1; k < chunks; ++k) {
                        s += chunk(k)[i];
                        chunk(k)[i] = T(0);
                    }
                    grads[i] += s;
                }
        });
    }

    // to[i] += from[i], then from[i] = 0, for every element of the gradient (whole vectors, then
    // what is left of a gradient whose size is not a whole number of vectors).
    static void add_and_clear(value_type* to, value_type* from) {
        using T = value_type;
        const lane zero(T(0));
        std::size_t i = 0;
        for (; i + lanes <= total; i += lanes) {
            (lane::load_unaligned(to + i) + lane::load_unaligned(from + i)).store_unaligned(to + i);
            zero.store_unaligned(from + i);
        }
        if constexpr (total % lanes != 0)
            for (; i < total; ++i) {
                to[i] += from[i];
                from[i] = T(0);
            }
    }

    // Chunk k of rows, cut as c says.
    static sample_source<value_type> part_of(const sample_source<value_type>& rows, const chunking& c, std::size_t k) {
        return rows.part(c.first(k), c.count(k));
    }
    // The chunks' sums added in chunk order, whichever thread made each.
    static value_type sum_in_order(const std::array<value_type, chunking::max_chunks>& sums, std::size_t chunks) {
        value_type sum = sums[0];
        for (std::size_t k = 1; k < chunks; ++k)
            sum += sums[k];
        return sum;
    }

    unsigned threads_ = 1;
    std::size_t min_chunk_rows_ = 0;
    std::unique_ptr<lane[]> scratch_;
    std::unique_ptr<value_type[]> chunks_;
    std::size_t capacity_ = 0;
    std::array<value_type, chunking::max_chunks> losses_{};
    [[no_unique_address]] block_storage<Program> blocks_;
};

}  // namespace TYPEGRAD_NS::autodiff
