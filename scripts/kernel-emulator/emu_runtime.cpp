// emu_runtime.cpp — runs one kernel launch on the CPU: blocks one after another, the threads of a
// block as ucontext fibers scheduled round-robin; a fiber yields only at a barrier
// (__syncthreads: the whole block; a warp shuffle: its warp), exactly where GPU threads wait.
#include "emu_shim.h"
#include <ucontext.h>
#include <stdio.h>
#include <stdlib.h>
#include <vector>

struct EmuThread
{
    ucontext_t context;
    dim3 tid;
    int warp = 0, lane = 0;
    bool done = false;
    int wait_group = -1;           // -1: runnable; 0: the block barrier; 1 + w: warp w's barrier
    unsigned long wait_generation = 0;
};

struct Group { int size = 0, arrived = 0; unsigned long generation = 0; };

thread_local EmuThread* emu_current_thread;
thread_local dim3 emu_block_idx;
dim3 emu_block_dim, emu_grid_dim;

static ucontext_t scheduler;
static std::vector<EmuThread> threads;
static std::vector<Group> groups;
static std::vector<float> shuffle_f;
static std::vector<int> shuffle_i;
static std::vector<char> stacks;
static const size_t stack_size = 64 * 1024;
static void (*current_kernel)(void**);
static void** current_args;

const dim3& emu_thread_idx() { return emu_current_thread->tid; }

static void barrier(int g)
{
    Group& group = groups[g];
    const unsigned long generation = group.generation;
    if (++group.arrived == group.size)
    {
        group.arrived = 0;
        group.generation++;
        return;
    }
    EmuThread* self = emu_current_thread;
    self->wait_group = g;
    self->wait_generation = generation;
    swapcontext(&self->context, &scheduler);
}

void emu_syncthreads() { barrier(0); }

float emu_shfl_xor_f(float v, int m)
{
    EmuThread* t = emu_current_thread;
    shuffle_f[t->warp * 32 + t->lane] = v;
    barrier(1 + t->warp);
    const float r = shuffle_f[t->warp * 32 + (t->lane ^ m)];
    barrier(1 + t->warp);
    return r;
}

int emu_shfl_xor_i(int v, int m)
{
    EmuThread* t = emu_current_thread;
    shuffle_i[t->warp * 32 + t->lane] = v;
    barrier(1 + t->warp);
    const int r = shuffle_i[t->warp * 32 + (t->lane ^ m)];
    barrier(1 + t->warp);
    return r;
}

static void fiber_entry()
{
    current_kernel(current_args);
    emu_current_thread->done = true;        // uc_link returns to the scheduler
}

// Returns 0, or writes a message to error and returns 1.
extern "C" int emu_launch(void (*kernel)(void**), void** args, unsigned gx, unsigned gy, unsigned bx, unsigned by,
                          char* error, int error_length)
{
    const int count = (int)(bx * by);
    if (count <= 0 || count > 1024 || count % 32 != 0)
    {
        snprintf(error, error_length, "block of %d threads: the emulator needs 32..1024 threads in whole warps", count);
        return 1;
    }
    emu_block_dim = dim3{bx, by, 1};
    emu_grid_dim = dim3{gx, gy, 1};
    current_kernel = kernel;
    current_args = args;
    const int warps = count / 32;
    threads.assign(count, EmuThread{});
    groups.assign(1 + warps, Group{});
    shuffle_f.assign(count, 0.0f);
    shuffle_i.assign(count, 0);
    if (stacks.size() < count * stack_size) stacks.resize(count * stack_size);
    for (unsigned y = 0; y < gy; ++y)
        for (unsigned x = 0; x < gx; ++x)
        {
            emu_block_idx = dim3{x, y, 0};
            groups[0] = Group{count, 0, 0};
            for (int w = 0; w < warps; ++w) groups[1 + w] = Group{32, 0, 0};
            for (int i = 0; i < count; ++i)
            {
                EmuThread& t = threads[i];
                t = EmuThread{};
                t.tid = dim3{(unsigned)(i % bx), (unsigned)(i / bx), 0};
                t.warp = i / 32;
                t.lane = i % 32;
                getcontext(&t.context);
                t.context.uc_stack.ss_sp = stacks.data() + i * stack_size;
                t.context.uc_stack.ss_size = stack_size;
                t.context.uc_link = &scheduler;
                makecontext(&t.context, fiber_entry, 0);
            }
            int remaining = count;
            while (remaining > 0)
            {
                bool progressed = false;
                for (int i = 0; i < count; ++i)
                {
                    EmuThread& t = threads[i];
                    if (t.done) continue;
                    if (t.wait_group >= 0 && groups[t.wait_group].generation == t.wait_generation) continue;
                    t.wait_group = -1;
                    emu_current_thread = &t;
                    swapcontext(&scheduler, &t.context);
                    progressed = true;
                    if (t.done) --remaining;
                }
                if (!progressed)
                {
                    snprintf(error, error_length, "deadlock in block (%u, %u): %d threads wait at barriers the others never reach "
                             "(divergent __syncthreads or warp shuffle)", x, y, remaining);
                    return 1;
                }
            }
        }
    return 0;
}
