// tollama's own addition to libggml-rpc.so (compiled in by build_rpc.mjs): ggml ends the whole process with
// GGML_ABORT when an RPC worker's socket fails ("Remote RPC server crashed ..."), on the RPC client's dispatcher
// thread. A server must outlive one worker, so this hook, installed with ggml_set_abort_callback, hands an RPC
// failure to tollama (`notify`, a thread-safe JS callback) and parks the failing thread for good instead of
// returning to abort(): the requests waiting on that connection never complete and tollama fails them, drops
// the model, and connects again under a new endpoint key (ggml caches connections by the endpoint's text). It
// also cuts this process's other connections to the workers (see tollama_rpc_cut_connections).
// Any other ggml abort still prints and aborts as ggml does.
#include "ggml.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <atomic>
#include <mutex>
#include <string>
#include <vector>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

extern "C" {

typedef void (*tollama_rpc_notify_t)(const char * message);

static std::atomic<tollama_rpc_notify_t> g_notify{nullptr};

// The workers' addresses (IPv4, port) and whether the next failure should cut the connections to them.
static std::mutex g_peers_mutex;
static std::vector<std::pair<in_addr_t, in_port_t>> g_peers;
static bool g_armed = false;

// Every connection this process holds to a worker shares ggml's per-endpoint connection with the model that met
// the failure, and a worker serves one connection at a time: shutting them all down lets the healthy workers
// accept the head's next connection, and makes the requests still waiting on them fail (and park) at once.
static void tollama_rpc_cut_connections() {
    std::vector<std::pair<in_addr_t, in_port_t>> peers;
    {
        std::lock_guard<std::mutex> lock(g_peers_mutex);
        if (!g_armed) return;
        g_armed = false;
        peers = g_peers;
    }
    DIR * dir = opendir("/proc/self/fd");
    if (dir == nullptr) return;
    while (struct dirent * entry = readdir(dir)) {
        const int fd = atoi(entry->d_name);
        if (fd <= 2) continue;
        sockaddr_in peer = {};
        socklen_t length = sizeof(peer);
        if (getpeername(fd, (sockaddr *) &peer, &length) != 0 || peer.sin_family != AF_INET) continue;
        for (const auto & p : peers) {
            if (p.first == peer.sin_addr.s_addr && p.second == peer.sin_port) {
                shutdown(fd, SHUT_RDWR);
                break;
            }
        }
    }
    closedir(dir);
}

static void tollama_rpc_on_abort(const char * message) {
    const bool rpc = std::strstr(message, "ggml-rpc") != nullptr || std::strstr(message, "RPC") != nullptr;
    if (!rpc || g_notify.load() == nullptr) {
        std::fprintf(stderr, "%s\n", message);
        return; // ggml_abort goes on to abort()
    }
    tollama_rpc_cut_connections();
    // the JS side may read it after this thread has parked: a copy that lives as long as the process
    g_notify.load()(strdup(message));
    for (;;) {
        pause();
    }
}

// "a.b.c.d:port,…": the workers the models loaded from now on use; arms one cut of their connections.
__attribute__((visibility("default"))) void tollama_rpc_guard_peers(const char * list) {
    std::lock_guard<std::mutex> lock(g_peers_mutex);
    g_peers.clear();
    std::string text(list ? list : "");
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find(',', start);
        if (end == std::string::npos) end = text.size();
        const std::string item = text.substr(start, end - start);
        const size_t colon = item.rfind(':');
        in_addr address = {};
        if (colon != std::string::npos && inet_pton(AF_INET, item.substr(0, colon).c_str(), &address) == 1) {
            g_peers.emplace_back(address.s_addr, htons((in_port_t) atoi(item.c_str() + colon + 1)));
        }
        start = end + 1;
    }
    g_armed = !g_peers.empty();
}

__attribute__((visibility("default"))) void tollama_rpc_guard_install(tollama_rpc_notify_t notify) {
    g_notify.store(notify);
    ggml_set_abort_callback(notify ? tollama_rpc_on_abort : nullptr);
}

}
