// Orion native-vs-remote CUDA benchmark.
//
// One program, run twice by scripts/gpu-bench-cuda.sh: once against NVIDIA's libcudart.so.13
// (native) and once against Orion's replacement (LD_LIBRARY_PATH = the stub, ORION_SERVER set).
// Everything is timed on the host with std::chrono::steady_clock: what the application sees,
// including every round trip Orion adds.
//
// Output (stdout), one line per measured case, key=value separated by single spaces:
//   case=<name> unit=<us|ms|GB/s|launches/s|iterations> better=<lower|higher> value=<v> [p50=<v> p99=<v>]
//        [min=<v> max=<v>] n=<samples> [check=PASS|FAIL] [error=<cudaError name>]
// Lines starting with '#' are information (device, library path, settings). Diagnostics go to
// stderr. Exit status: 0 when every case ran and every check passed, 1 otherwise.
//
// Usage: orion_bench [--scale F] [--cases name1,name2,...] [--max-mib N]
//   --scale F   multiplies every iteration count (default 1, or $ORION_BENCH_SCALE); 0.1 = quick
//   --cases     run only the cases whose name contains one of the comma-separated words
//   --max-mib   skip copy sizes above N MiB (default 256)
//
// Only runtime calls that Orion supports are used (docs/cudart.md): cudaMalloc/Free, cudaMemcpy,
// cudaMallocHost/FreeHost, streams, <<<>>> launches, synchronization, device properties.

#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

// Kernels at global scope (not in the anonymous namespace) so their names are the plain
// mangled names that registration reports.
__global__ void empty_kernel() {}

__global__ void vector_add_kernel(const float* a, const float* b, float* c, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) c[i] = a[i] + b[i];
}

// One small step of a decode-style chain: x = x * 1 + 1 on every element (exact in float for
// the values reached), so after k steps each element holds its start value + k.
__global__ void decode_step_kernel(float* x, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] = x[i] * 1.0f + 1.0f;
}

// Compute-bound: each thread runs a long dependent integer recurrence (no memory traffic beyond
// one store), so the kernel's time is the GPU's arithmetic, not the copies or the call path.
__global__ void compute_kernel(unsigned int* out, int rounds) {
    unsigned int v = blockIdx.x * blockDim.x + threadIdx.x;
    for (int r = 0; r < rounds; ++r) v = v * 1664525u + 1013904223u;
    out[blockIdx.x * blockDim.x + threadIdx.x] = v;
}

// asyncAPI-style work: add a value to every element.
__global__ void increment_kernel(int* data, int value, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) data[i] += value;
}

namespace {

using Clock = std::chrono::steady_clock;

// A failed CUDA call ends the current case (reported with error=...), not the whole run, so one
// unsupported or failing case still leaves the others measured.
struct CudaFailure : std::runtime_error {
    cudaError_t code;
    CudaFailure(cudaError_t c, const std::string& what) : std::runtime_error(what), code(c) {}
};

// A result check failed: the case already printed its line with check=FAIL.
struct CheckFailed : std::runtime_error {
    explicit CheckFailed(const std::string& what) : std::runtime_error(what) {}
};

void check(cudaError_t result, const char* call, int line) {
    if (result != cudaSuccess) {
        std::string what = std::string(call) + " (line " + std::to_string(line) + "): " +
                           cudaGetErrorName(result) + ": " + cudaGetErrorString(result);
        throw CudaFailure(result, what);
    }
}
#define CHECK(call) check((call), #call, __LINE__)

double microseconds_between(Clock::time_point start, Clock::time_point end) {
    return std::chrono::duration<double, std::micro>(end - start).count();
}

// Nearest-rank percentile of an unsorted sample set (copied, so callers keep their order).
double percentile(std::vector<double> samples, double p) {
    if (samples.empty()) return 0.0;
    std::sort(samples.begin(), samples.end());
    double rank = std::ceil(p / 100.0 * static_cast<double>(samples.size()));
    size_t index = rank < 1.0 ? 0 : static_cast<size_t>(rank) - 1;
    if (index >= samples.size()) index = samples.size() - 1;
    return samples[index];
}

void print_latency(const std::string& name, const char* unit, const std::vector<double>& samples,
                   const char* extra = "") {
    double p50 = percentile(samples, 50.0);
    double p99 = percentile(samples, 99.0);
    std::printf("case=%s unit=%s better=lower value=%.3f p50=%.3f p99=%.3f n=%zu%s\n", name.c_str(), unit,
                p50, p50, p99, samples.size(), extra);
    std::fflush(stdout);
}

void print_rate(const std::string& name, const char* unit, const std::vector<double>& samples) {
    double median = percentile(samples, 50.0);
    double low = *std::min_element(samples.begin(), samples.end());
    double high = *std::max_element(samples.begin(), samples.end());
    std::printf("case=%s unit=%s better=higher value=%.3f min=%.3f max=%.3f n=%zu\n", name.c_str(), unit,
                median, low, high, samples.size());
    std::fflush(stdout);
}

struct Settings {
    double scale = 1.0;
    std::vector<std::string> cases;  // empty: all
    size_t max_mib = 256;

    int count(int base, int minimum) const {
        double scaled = std::floor(static_cast<double>(base) * scale);
        return scaled < minimum ? minimum : static_cast<int>(scaled);
    }
    bool wants(const std::string& name) const {
        if (cases.empty()) return true;
        for (const auto& word : cases)
            if (name.find(word) != std::string::npos) return true;
        return false;
    }
};

// RAII owners, so a case that fails half-way frees what it allocated.
struct DeviceBuffer {
    void* ptr = nullptr;
    explicit DeviceBuffer(size_t bytes) { CHECK(cudaMalloc(&ptr, bytes)); }
    ~DeviceBuffer() { if (ptr) cudaFree(ptr); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
};

struct PinnedBuffer {
    void* ptr = nullptr;
    explicit PinnedBuffer(size_t bytes) { CHECK(cudaMallocHost(&ptr, bytes)); }
    ~PinnedBuffer() { if (ptr) cudaFreeHost(ptr); }
    PinnedBuffer(const PinnedBuffer&) = delete;
    PinnedBuffer& operator=(const PinnedBuffer&) = delete;
};

struct Stream {
    cudaStream_t handle = nullptr;
    Stream() { CHECK(cudaStreamCreateWithFlags(&handle, cudaStreamNonBlocking)); }
    ~Stream() { if (handle) cudaStreamDestroy(handle); }
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
};

// Asynchronous launch rate: N empty launches on the legacy default stream, then one
// synchronize; the synchronize is inside the timing (the work is not done before it).
void bench_launch_rate(const Settings& settings) {
    const int launches = settings.count(100000, 1000);
    const int reps = 3;
    for (int i = 0; i < 1000; ++i) empty_kernel<<<1, 1>>>();
    CHECK(cudaGetLastError());
    CHECK(cudaDeviceSynchronize());
    std::vector<double> rates;
    for (int r = 0; r < reps; ++r) {
        auto start = Clock::now();
        for (int i = 0; i < launches; ++i) empty_kernel<<<1, 1>>>();
        CHECK(cudaGetLastError());
        CHECK(cudaDeviceSynchronize());
        auto end = Clock::now();
        rates.push_back(launches / (microseconds_between(start, end) / 1e6));
    }
    print_rate("launch_async_rate", "launches/s", rates);
}

// One empty launch then cudaStreamSynchronize, timed per iteration: the round trip of a
// synchronizing call that has one queued launch in front of it.
void bench_launch_sync(const Settings& settings) {
    const int iterations = settings.count(5000, 50);
    Stream stream;
    for (int i = 0; i < 200; ++i) {
        empty_kernel<<<1, 1, 0, stream.handle>>>();
        CHECK(cudaStreamSynchronize(stream.handle));
    }
    std::vector<double> samples;
    samples.reserve(iterations);
    for (int i = 0; i < iterations; ++i) {
        auto start = Clock::now();
        empty_kernel<<<1, 1, 0, stream.handle>>>();
        CHECK(cudaStreamSynchronize(stream.handle));
        samples.push_back(microseconds_between(start, Clock::now()));
    }
    CHECK(cudaGetLastError());
    print_latency("launch_sync_roundtrip", "us", samples);
}

// 4-byte synchronous cudaMemcpy from/to a pageable host variable, timed per call.
void bench_small_copy(const Settings& settings, cudaMemcpyKind kind, const char* name) {
    const int iterations = settings.count(5000, 50);
    DeviceBuffer device(sizeof(int));
    int host = 42;
    CHECK(cudaMemcpy(device.ptr, &host, sizeof(int), cudaMemcpyHostToDevice));
    for (int i = 0; i < 200; ++i) {
        if (kind == cudaMemcpyHostToDevice) CHECK(cudaMemcpy(device.ptr, &host, sizeof(int), kind));
        else CHECK(cudaMemcpy(&host, device.ptr, sizeof(int), kind));
    }
    std::vector<double> samples;
    samples.reserve(iterations);
    for (int i = 0; i < iterations; ++i) {
        auto start = Clock::now();
        if (kind == cudaMemcpyHostToDevice) CHECK(cudaMemcpy(device.ptr, &host, sizeof(int), kind));
        else CHECK(cudaMemcpy(&host, device.ptr, sizeof(int), kind));
        samples.push_back(microseconds_between(start, Clock::now()));
    }
    if (host != 42) throw std::runtime_error("4-byte copy returned " + std::to_string(host) + ", expected 42");
    print_latency(name, "us", samples);
}

// Synchronous cudaMemcpy throughput for one direction, host memory kind and size. A sample
// moves at least 64 MiB (several copies for small sizes) so that timer resolution and one
// slow call do not dominate; the reported value is the median over the samples.
void bench_copy_throughput(const Settings& settings, cudaMemcpyKind kind, bool pinned, size_t mib) {
    const size_t bytes = mib << 20;
    const int copies_per_sample = static_cast<int>(std::max<size_t>(1, 64 / mib));
    const int samples_wanted = settings.count(7, 3);
    DeviceBuffer device(bytes);
    std::vector<unsigned char> pageable;
    std::unique_ptr<PinnedBuffer> pinned_buffer;
    unsigned char* host = nullptr;
    if (pinned) {
        pinned_buffer.reset(new PinnedBuffer(bytes));
        host = static_cast<unsigned char*>(pinned_buffer->ptr);
    } else {
        pageable.resize(bytes);
        host = pageable.data();
    }
    // Touch every page first, so page faults of fresh memory are not measured.
    std::memset(host, 0x5A, bytes);
    auto copy = [&]() {
        if (kind == cudaMemcpyHostToDevice) CHECK(cudaMemcpy(device.ptr, host, bytes, kind));
        else CHECK(cudaMemcpy(host, device.ptr, bytes, kind));
    };
    copy();  // warm-up
    std::vector<double> samples;
    for (int s = 0; s < samples_wanted; ++s) {
        auto start = Clock::now();
        for (int c = 0; c < copies_per_sample; ++c) copy();
        double seconds = microseconds_between(start, Clock::now()) / 1e6;
        samples.push_back(static_cast<double>(bytes) * copies_per_sample / seconds / 1e9);
    }
    std::string name = std::string("memcpy_") + (kind == cudaMemcpyHostToDevice ? "h2d" : "d2h") +
                       (pinned ? "_pinned_" : "_pageable_") + std::to_string(mib) + "MiB";
    print_rate(name, "GB/s", samples);
}

// A small real workload end to end: copy two 16M-float vectors in, add them, copy the sum out
// (pageable host memory, as a plain program does). Device buffers are allocated once, outside
// the timing; every sample's result is verified exactly (a single float add is exact to
// reproduce on the host).
void bench_vector_add(const Settings& settings) {
    const int n = 1 << 24;
    const size_t bytes = static_cast<size_t>(n) * sizeof(float);
    const int samples_wanted = settings.count(10, 3);
    std::vector<float> a(n), b(n), c(n);
    for (int i = 0; i < n; ++i) {
        a[i] = static_cast<float>(i % 1000);
        b[i] = static_cast<float>((i * 7) % 1000) * 0.25f;
    }
    DeviceBuffer da(bytes), db(bytes), dc(bytes);
    const int threads = 256;
    const int blocks = (n + threads - 1) / threads;
    bool all_correct = true;
    std::vector<double> samples;
    for (int s = -1; s < samples_wanted; ++s) {  // s == -1: warm-up, verified but not timed
        std::fill(c.begin(), c.end(), -1.0f);
        auto start = Clock::now();
        CHECK(cudaMemcpy(da.ptr, a.data(), bytes, cudaMemcpyHostToDevice));
        CHECK(cudaMemcpy(db.ptr, b.data(), bytes, cudaMemcpyHostToDevice));
        vector_add_kernel<<<blocks, threads>>>(static_cast<const float*>(da.ptr),
                                               static_cast<const float*>(db.ptr),
                                               static_cast<float*>(dc.ptr), n);
        CHECK(cudaGetLastError());
        CHECK(cudaMemcpy(c.data(), dc.ptr, bytes, cudaMemcpyDeviceToHost));
        auto end = Clock::now();
        if (s >= 0) samples.push_back(microseconds_between(start, end) / 1000.0);
        for (int i = 0; i < n; ++i) {
            if (c[i] != a[i] + b[i]) {
                if (all_correct)
                    std::fprintf(stderr, "orion_bench: vector_add mismatch at %d: %f != %f + %f\n", i, c[i],
                                 a[i], b[i]);
                all_correct = false;
                break;
            }
        }
    }
    print_latency("vector_add_16M_e2e", "ms", samples, all_correct ? " check=PASS" : " check=FAIL");
    if (!all_correct) throw CheckFailed("vector_add result wrong");
}

// A language-model decode step as PyTorch issues it: 20 small dependent kernels, then one 4-byte
// read of the result (`.item()`), timed per step. Bound by the one synchronizing copy per step,
// so it shows what a round trip costs a real loop. The value read is checked every step.
void bench_decode_loop(const Settings& settings) {
    const int steps = settings.count(2000, 20);
    const int kernels_per_step = 20;
    const int n = 4096;
    DeviceBuffer x(n * sizeof(float));
    CHECK(cudaMemset(x.ptr, 0, n * sizeof(float)));
    float* data = static_cast<float*>(x.ptr);
    bool all_correct = true;
    std::vector<double> samples;
    samples.reserve(steps);
    for (int s = -50; s < steps; ++s) {  // s < 0: warm-up, checked but not timed
        auto start = Clock::now();
        for (int k = 0; k < kernels_per_step; ++k) decode_step_kernel<<<n / 256, 256>>>(data, n);
        float first = -1.0f;
        CHECK(cudaMemcpy(&first, data, sizeof first, cudaMemcpyDeviceToHost));
        auto end = Clock::now();
        if (s >= 0) samples.push_back(microseconds_between(start, end));
        float expected = static_cast<float>((s + 51) * kernels_per_step);
        if (first != expected && all_correct) {
            std::fprintf(stderr, "orion_bench: decode step %d read %f, expected %f\n", s, first, expected);
            all_correct = false;
        }
    }
    CHECK(cudaGetLastError());
    print_latency("decode_step_20k_1read", "us", samples, all_correct ? " check=PASS" : " check=FAIL");
    if (!all_correct) throw CheckFailed("decode loop read a wrong value");
}

// Compute-bound loop: kernels of a few milliseconds each, queued back to back, one synchronize;
// time per kernel. Remote GPU time should equal native: only launches cross the network.
void bench_compute_loop(const Settings& settings) {
    const int kernels = settings.count(100, 10);
    // Scaled like every count, so that the CPU mock of the tests runs it in moments; on a GPU, 1024 blocks of
    // 200,000 rounds take about a millisecond.
    const int blocks = settings.count(1024, 4), threads = 256, rounds = settings.count(200000, 100);
    const size_t count = static_cast<size_t>(blocks) * threads;
    DeviceBuffer out(count * sizeof(unsigned int));
    unsigned int* data = static_cast<unsigned int*>(out.ptr);
    compute_kernel<<<blocks, threads>>>(data, rounds);  // warm-up
    CHECK(cudaGetLastError());
    CHECK(cudaDeviceSynchronize());
    std::vector<double> samples;
    for (int rep = 0; rep < 3; ++rep) {
        auto start = Clock::now();
        for (int k = 0; k < kernels; ++k) compute_kernel<<<blocks, threads>>>(data, rounds);
        CHECK(cudaGetLastError());
        CHECK(cudaDeviceSynchronize());
        samples.push_back(microseconds_between(start, Clock::now()) / 1000.0 / kernels);
    }
    // Check a few threads' results against the same recurrence on the host.
    std::vector<unsigned int> host(count);
    CHECK(cudaMemcpy(host.data(), data, count * sizeof(unsigned int), cudaMemcpyDeviceToHost));
    bool all_correct = true;
    for (size_t t : {static_cast<size_t>(0), count / 3, count - 1}) {
        unsigned int v = static_cast<unsigned int>(t);
        for (int r = 0; r < rounds; ++r) v = v * 1664525u + 1013904223u;
        if (host[t] != v) all_correct = false;
    }
    print_latency("compute_loop_per_kernel", "ms", samples, all_correct ? " check=PASS" : " check=FAIL");
    if (!all_correct) throw CheckFailed("compute kernel result wrong");
}

// CUDA's asyncAPI pattern: pinned host data, copy in, increment kernel, copy out and an event
// record, all asynchronous; then the host counts how often it polls cudaEventQuery before the
// event completes. Natively the host overlaps many iterations with the GPU's work; a remote GPU
// must too (issue 12 point 2). The count is reported (better=higher), and the data is checked.
void bench_async_overlap(const Settings& settings) {
    const int n = settings.count(16 << 20, 1 << 16) / 512 * 512;
    const size_t bytes = static_cast<size_t>(n) * sizeof(int);
    const int value = 26;
    const int samples_wanted = settings.count(5, 2);
    PinnedBuffer host(bytes);
    DeviceBuffer device(bytes);
    int* a = static_cast<int*>(host.ptr);
    cudaEvent_t stop;
    CHECK(cudaEventCreate(&stop));
    std::vector<double> counts;
    bool all_correct = true;
    for (int s = 0; s < samples_wanted; ++s) {
        std::memset(a, 0, bytes);
        unsigned long counter = 0;
        CHECK(cudaMemcpyAsync(device.ptr, a, bytes, cudaMemcpyHostToDevice, 0));
        increment_kernel<<<n / 512, 512>>>(static_cast<int*>(device.ptr), value, n);
        CHECK(cudaMemcpyAsync(a, device.ptr, bytes, cudaMemcpyDeviceToHost, 0));
        CHECK(cudaEventRecord(stop, 0));
        cudaError_t state;
        while ((state = cudaEventQuery(stop)) == cudaErrorNotReady) ++counter;
        CHECK(state);
        counts.push_back(static_cast<double>(counter));
        for (int i = 0; i < n; i += 4099)
            if (a[i] != value) all_correct = false;
        if (a[n - 1] != value) all_correct = false;
    }
    cudaEventDestroy(stop);
    double median = percentile(counts, 50.0);
    std::printf("case=async_overlap_cpu_iterations unit=iterations better=higher value=%.0f min=%.0f max=%.0f n=%zu%s\n",
                median, *std::min_element(counts.begin(), counts.end()), *std::max_element(counts.begin(), counts.end()),
                counts.size(), all_correct ? " check=PASS" : " check=FAIL");
    std::fflush(stdout);
    if (!all_correct) throw CheckFailed("asyncAPI data wrong after the event completed");
}

// Which libcudart this process really loaded: proves the Orion run used the stub.
void print_loaded_cudart() {
    FILE* maps = std::fopen("/proc/self/maps", "r");
    if (!maps) return;
    char line[4096];
    while (std::fgets(line, sizeof line, maps)) {
        const char* path = std::strchr(line, '/');
        if (path && std::strstr(path, "libcudart")) {
            std::printf("# libcudart=%s", path);  // the line keeps its newline
            break;
        }
    }
    std::fclose(maps);
}

bool parse_arguments(int argc, char** argv, Settings& settings) {
    if (const char* env = std::getenv("ORION_BENCH_SCALE")) settings.scale = std::atof(env);
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        bool has_value = i + 1 < argc;
        if (arg == "--scale" && has_value) {
            settings.scale = std::atof(argv[++i]);
        } else if (arg == "--cases" && has_value) {
            std::string list = argv[++i];
            size_t begin = 0;
            while (begin <= list.size()) {
                size_t comma = list.find(',', begin);
                if (comma == std::string::npos) comma = list.size();
                if (comma > begin) settings.cases.push_back(list.substr(begin, comma - begin));
                begin = comma + 1;
            }
        } else if (arg == "--max-mib" && has_value) {
            settings.max_mib = static_cast<size_t>(std::atol(argv[++i]));
        } else {
            std::fprintf(stderr, "usage: %s [--scale F] [--cases word,...] [--max-mib N]\n", argv[0]);
            return false;
        }
    }
    if (!(settings.scale > 0.0) || settings.scale > 1000.0) {
        std::fprintf(stderr, "orion_bench: --scale must be in (0, 1000]\n");
        return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    Settings settings;
    if (!parse_arguments(argc, argv, settings)) return 2;
    std::printf("# orion_bench scale=%g max_mib=%zu\n", settings.scale, settings.max_mib);

    int failures = 0;
    auto run = [&](const std::string& name, const char* unit, auto body) {
        if (!settings.wants(name)) return;
        try {
            body();
        } catch (const CudaFailure& failure) {
            std::fprintf(stderr, "orion_bench: case %s failed: %s\n", name.c_str(), failure.what());
            std::printf("case=%s unit=%s error=%s\n", name.c_str(), unit, cudaGetErrorName(failure.code));
            std::fflush(stdout);
            ++failures;
        } catch (const CheckFailed& failure) {
            std::fprintf(stderr, "orion_bench: case %s failed: %s\n", name.c_str(), failure.what());
            ++failures;
        } catch (const std::exception& failure) {
            std::fprintf(stderr, "orion_bench: case %s failed: %s\n", name.c_str(), failure.what());
            std::printf("case=%s unit=%s error=exception\n", name.c_str(), unit);
            std::fflush(stdout);
            ++failures;
        }
    };

    // Start-up: the first call that needs the device (context creation natively; loading the
    // client, connecting and the handshake through Orion). One sample, reported for scale.
    run("startup_first_call", "ms", [&]() {
        auto start = Clock::now();
        CHECK(cudaSetDevice(0));
        void* probe = nullptr;
        CHECK(cudaMalloc(&probe, 256));
        CHECK(cudaFree(probe));
        double ms = microseconds_between(start, Clock::now()) / 1000.0;
        std::printf("case=startup_first_call unit=ms better=lower value=%.3f n=1\n", ms);
        std::fflush(stdout);
    });
    {
        cudaDeviceProp properties;
        std::memset(&properties, 0, sizeof properties);
        if (cudaGetDeviceProperties(&properties, 0) == cudaSuccess)
            std::printf("# device=%s sm_%d%d\n", properties.name, properties.major, properties.minor);
        else
            std::fprintf(stderr, "orion_bench: cudaGetDeviceProperties failed: %s\n",
                         cudaGetErrorName(cudaGetLastError()));
        print_loaded_cudart();
        std::fflush(stdout);
    }

    run("launch_async_rate", "launches/s", [&]() { bench_launch_rate(settings); });
    run("launch_sync_roundtrip", "us", [&]() { bench_launch_sync(settings); });
    run("memcpy_d2h_4B", "us", [&]() { bench_small_copy(settings, cudaMemcpyDeviceToHost, "memcpy_d2h_4B"); });
    run("memcpy_h2d_4B", "us", [&]() { bench_small_copy(settings, cudaMemcpyHostToDevice, "memcpy_h2d_4B"); });

    const size_t sizes[] = {1, 16, 256};
    const cudaMemcpyKind kinds[] = {cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost};
    for (bool pinned : {false, true}) {
        for (cudaMemcpyKind kind : kinds) {
            for (size_t mib : sizes) {
                if (mib > settings.max_mib) continue;
                std::string name = std::string("memcpy_") + (kind == cudaMemcpyHostToDevice ? "h2d" : "d2h") +
                                   (pinned ? "_pinned_" : "_pageable_") + std::to_string(mib) + "MiB";
                run(name, "GB/s", [&]() { bench_copy_throughput(settings, kind, pinned, mib); });
            }
        }
    }

    run("vector_add_16M_e2e", "ms", [&]() { bench_vector_add(settings); });
    run("decode_step_20k_1read", "us", [&]() { bench_decode_loop(settings); });
    run("compute_loop_per_kernel", "ms", [&]() { bench_compute_loop(settings); });
    run("async_overlap_cpu_iterations", "iterations", [&]() { bench_async_overlap(settings); });

    std::printf("# done failures=%d\n", failures);
    return failures == 0 ? 0 : 1;
}
