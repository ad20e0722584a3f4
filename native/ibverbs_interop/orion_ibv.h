/*
 * orion_ibv.h - Orion's C shim over libibverbs and librdmacm.
 *
 * Why it exists: ibv_post_send, ibv_post_recv and ibv_poll_cq are static inline in verbs.h, so
 * .NET cannot P/Invoke them; the rdma-core structs also carry unions, pointers and bitfields that
 * make poor interop types. The shim exports prefixed functions with fixed-width structs (mirrored
 * in C# as blittable structs) and moves many work requests or completions per call.
 *
 * The shim never links libibverbs or librdmacm: it dlopen()s them on first use, so a host without
 * rdma-core loads it fine and discovery reports why RDMA is unavailable.
 *
 * Errors: functions return 0 (or a count) on success and a negative errno value on failure;
 * orion_ibv_last_error() gives the calling thread's last message.
 */
#ifndef ORION_IBV_H
#define ORION_IBV_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ORION_IBV_API __attribute__((visibility("default")))

/* Bumped whenever a struct below or a function signature changes; C# checks it at load. */
#define ORION_IBV_ABI_VERSION 1
/* Largest rdma_cm private data exchanged on connect/accept (the RC connect limit is 56). */
#define ORION_IBV_MAX_PRIVATE_DATA 56

/* Mirrors of rdma-core enum values the C# side uses; shim_test.c checks each against verbs.h. */
enum orion_ibv_wr_opcode {
    ORION_IBV_WR_RDMA_WRITE = 0,
    ORION_IBV_WR_RDMA_WRITE_WITH_IMM = 1,
    ORION_IBV_WR_SEND = 2,
    ORION_IBV_WR_SEND_WITH_IMM = 3,
};

enum orion_ibv_send_flags {
    ORION_IBV_SEND_SIGNALED = 1 << 1,
    ORION_IBV_SEND_INLINE = 1 << 3,
};

enum orion_ibv_access_flags {
    ORION_IBV_ACCESS_LOCAL_WRITE = 1,
    ORION_IBV_ACCESS_REMOTE_WRITE = 1 << 1,
    ORION_IBV_ACCESS_REMOTE_READ = 1 << 2,
};

enum orion_ibv_wc_opcode {
    ORION_IBV_WC_SEND = 0,
    ORION_IBV_WC_RDMA_WRITE = 1,
    ORION_IBV_WC_RECV = 128,
    ORION_IBV_WC_RECV_RDMA_WITH_IMM = 129,
};

enum orion_ibv_wc_status {
    ORION_IBV_WC_SUCCESS = 0,
    ORION_IBV_WC_LOC_LEN_ERR = 1,
    ORION_IBV_WC_LOC_PROT_ERR = 4,
    ORION_IBV_WC_WR_FLUSH_ERR = 5,
    ORION_IBV_WC_REM_INV_REQ_ERR = 9,
    ORION_IBV_WC_REM_ACCESS_ERR = 10,
    ORION_IBV_WC_RETRY_EXC_ERR = 12,
    ORION_IBV_WC_RNR_RETRY_EXC_ERR = 13,
};

enum orion_ibv_wc_flags {
    ORION_IBV_WC_WITH_IMM = 1 << 1,
};

enum orion_ibv_port_state {
    ORION_IBV_PORT_ACTIVE = 4,
};

/* One RDMA device as discovery reports it (port 1 only: Orion uses one port per device). */
typedef struct orion_ibv_device_info {
    char name[64];
    uint64_t node_guid;
    uint64_t max_mr_size;
    uint32_t vendor_id;
    uint32_t vendor_part_id;
    int32_t phys_port_cnt;
    int32_t port_state;      /* IBV_PORT_* of port 1 */
    int32_t link_layer;      /* IBV_LINK_LAYER_*: 1 InfiniBand, 2 Ethernet (RoCE) */
    int32_t active_mtu;      /* IBV_MTU_* enum of port 1 */
    int32_t max_qp_wr;
    int32_t max_sge;
    int32_t max_cqe;
    int32_t max_mr;
} orion_ibv_device_info;

/* Queue sizes requested for a connection's QP and CQ; the shim writes back what it got. */
typedef struct orion_ibv_qp_caps {
    uint32_t max_send_wr;
    uint32_t max_recv_wr;
    uint32_t max_inline_data;
    uint32_t cq_entries;
} orion_ibv_qp_caps;

/* One send-queue work request with one scatter/gather entry. imm_data is in host order. */
typedef struct orion_ibv_send_wr {
    uint64_t wr_id;
    uint64_t local_addr;
    uint64_t remote_addr;
    uint32_t length;
    uint32_t lkey;
    uint32_t rkey;
    uint32_t opcode;      /* orion_ibv_wr_opcode */
    uint32_t send_flags;  /* orion_ibv_send_flags */
    uint32_t imm_data;
} orion_ibv_send_wr;

/* One receive-queue work request with one scatter/gather entry. */
typedef struct orion_ibv_recv_wr {
    uint64_t wr_id;
    uint64_t addr;
    uint32_t length;
    uint32_t lkey;
} orion_ibv_recv_wr;

/* One completion. imm_data is in host order and valid when wc_flags has ORION_IBV_WC_WITH_IMM. */
typedef struct orion_ibv_wc {
    uint64_t wr_id;
    uint32_t status;
    uint32_t opcode;
    uint32_t byte_len;
    uint32_t imm_data;
    uint32_t wc_flags;
    uint32_t vendor_err;
} orion_ibv_wc;

typedef struct orion_ibv_mr_info {
    uint64_t handle;  /* opaque, for orion_ibv_dereg_mr */
    uint32_t lkey;
    uint32_t rkey;
} orion_ibv_mr_info;

typedef struct orion_ibv_ep orion_ibv_ep;
typedef struct orion_ibv_listener orion_ibv_listener;

ORION_IBV_API int32_t orion_ibv_abi_version(void);
ORION_IBV_API const char *orion_ibv_last_error(void);

/* Loads libibverbs.so.1 and librdmacm.so.1; 0 when both load, -ENOENT otherwise (message says which). */
ORION_IBV_API int32_t orion_ibv_load(void);
/* Fills up to max entries; returns the number of devices (0 when none), or a negative errno. */
ORION_IBV_API int32_t orion_ibv_list_devices(orion_ibv_device_info *out, int32_t max);

/* Client: resolves host:port through rdma_cm and creates PD, CQ (with completion channel) and RC QP. */
ORION_IBV_API int32_t orion_ibv_ep_create_client(const char *host, uint16_t port, int32_t timeout_ms,
                                                 orion_ibv_qp_caps *caps, orion_ibv_ep **out);
/* Client: connects, sending private data; receives the acceptor's private data. */
ORION_IBV_API int32_t orion_ibv_ep_connect(orion_ibv_ep *ep, const void *priv, uint8_t priv_len, int32_t timeout_ms,
                                           void *peer_priv, uint8_t *peer_priv_len);

ORION_IBV_API int32_t orion_ibv_listen(const char *host, uint16_t port, int32_t backlog,
                                       orion_ibv_listener **out, uint16_t *bound_port);
/* Waits up to timeout_ms for a connect request; -ETIMEDOUT when none came. On success the new
 * endpoint has its PD, CQ and QP, and peer_priv holds the client's private data. */
ORION_IBV_API int32_t orion_ibv_listener_get_request(orion_ibv_listener *l, int32_t timeout_ms, orion_ibv_qp_caps *caps,
                                                     orion_ibv_ep **out, void *peer_priv, uint8_t *peer_priv_len);
ORION_IBV_API void orion_ibv_listener_destroy(orion_ibv_listener *l);
/* Server: accepts a request returned by orion_ibv_listener_get_request and waits until established. */
ORION_IBV_API int32_t orion_ibv_ep_accept(orion_ibv_ep *ep, const void *priv, uint8_t priv_len, int32_t timeout_ms);
ORION_IBV_API int32_t orion_ibv_ep_reject(orion_ibv_ep *ep);

ORION_IBV_API int32_t orion_ibv_reg_mr(orion_ibv_ep *ep, uint64_t addr, uint64_t length, uint32_t access,
                                       orion_ibv_mr_info *out);
ORION_IBV_API int32_t orion_ibv_dereg_mr(uint64_t handle);

/* Batch verbs: one call posts n work requests (chained) or polls up to max completions.
 * On a post failure *bad_index is the first request that was not posted. */
ORION_IBV_API int32_t orion_ibv_post_send(orion_ibv_ep *ep, const orion_ibv_send_wr *wrs, int32_t n, int32_t *bad_index);
ORION_IBV_API int32_t orion_ibv_post_recv(orion_ibv_ep *ep, const orion_ibv_recv_wr *wrs, int32_t n, int32_t *bad_index);
ORION_IBV_API int32_t orion_ibv_poll_cq(orion_ibv_ep *ep, orion_ibv_wc *out, int32_t max);
/* Arms the CQ and sleeps on the completion channel up to timeout_ms: 1 when an event came, 0 on timeout. */
ORION_IBV_API int32_t orion_ibv_wait_cq(orion_ibv_ep *ep, int32_t timeout_ms);
/* Non-blocking: 1 once the connection has been disconnected (by either side or the device), else 0. */
ORION_IBV_API int32_t orion_ibv_ep_disconnected(orion_ibv_ep *ep);
ORION_IBV_API int32_t orion_ibv_ep_max_inline(orion_ibv_ep *ep);
ORION_IBV_API void orion_ibv_ep_disconnect(orion_ibv_ep *ep);
/* Destroys QP, CQ, channels, PD and the cm_id; every MR of the endpoint must be deregistered first. */
ORION_IBV_API void orion_ibv_ep_destroy(orion_ibv_ep *ep);

#ifdef __cplusplus
}
#endif

#endif
