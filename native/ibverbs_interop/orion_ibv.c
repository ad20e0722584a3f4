/*
 * orion_ibv.c - see orion_ibv.h. Every rdma-core function is reached through a table filled by
 * dlsym(); the only verbs used directly are the static inline ones from verbs.h, which call
 * through the provider's ops table inside the context (no link-time symbol).
 */
#define _GNU_SOURCE
#include "orion_ibv.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

/* Largest chain handed to one ibv_post_send / ibv_post_recv; longer batches loop. */
#define ORION_IBV_CHAIN 64

static __thread char last_error[256];

static void set_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
}

const char *orion_ibv_last_error(void) { return last_error; }
int32_t orion_ibv_abi_version(void) { return ORION_IBV_ABI_VERSION; }

/* ---- run-time binding --------------------------------------------------------------------- */

static struct {
    void *verbs_lib;
    void *cm_lib;
    struct ibv_device **(*get_device_list)(int *);
    void (*free_device_list)(struct ibv_device **);
    const char *(*get_device_name)(struct ibv_device *);
    __be64 (*get_device_guid)(struct ibv_device *);
    struct ibv_context *(*open_device)(struct ibv_device *);
    int (*close_device)(struct ibv_context *);
    int (*query_device)(struct ibv_context *, struct ibv_device_attr *);
    /* The exported symbol fills the compat layout, a prefix of struct ibv_port_attr. */
    int (*query_port)(struct ibv_context *, uint8_t, struct ibv_port_attr *);
    struct ibv_pd *(*alloc_pd)(struct ibv_context *);
    int (*dealloc_pd)(struct ibv_pd *);
    struct ibv_mr *(*reg_mr)(struct ibv_pd *, void *, size_t, int);
    int (*dereg_mr)(struct ibv_mr *);
    struct ibv_comp_channel *(*create_comp_channel)(struct ibv_context *);
    int (*destroy_comp_channel)(struct ibv_comp_channel *);
    struct ibv_cq *(*create_cq)(struct ibv_context *, int, void *, struct ibv_comp_channel *, int);
    int (*destroy_cq)(struct ibv_cq *);
    int (*get_cq_event)(struct ibv_comp_channel *, struct ibv_cq **, void **);
    void (*ack_cq_events)(struct ibv_cq *, unsigned int);

    struct rdma_event_channel *(*create_event_channel)(void);
    void (*destroy_event_channel)(struct rdma_event_channel *);
    int (*create_id)(struct rdma_event_channel *, struct rdma_cm_id **, void *, enum rdma_port_space);
    int (*destroy_id)(struct rdma_cm_id *);
    int (*bind_addr)(struct rdma_cm_id *, struct sockaddr *);
    int (*listen)(struct rdma_cm_id *, int);
    int (*resolve_addr)(struct rdma_cm_id *, struct sockaddr *, struct sockaddr *, int);
    int (*resolve_route)(struct rdma_cm_id *, int);
    int (*connect)(struct rdma_cm_id *, struct rdma_conn_param *);
    int (*accept)(struct rdma_cm_id *, struct rdma_conn_param *);
    int (*reject)(struct rdma_cm_id *, const void *, uint8_t);
    int (*disconnect)(struct rdma_cm_id *);
    int (*get_cm_event)(struct rdma_event_channel *, struct rdma_cm_event **);
    int (*ack_cm_event)(struct rdma_cm_event *);
    int (*create_qp)(struct rdma_cm_id *, struct ibv_pd *, struct ibv_qp_init_attr *);
    void (*destroy_qp)(struct rdma_cm_id *);
    int (*migrate_id)(struct rdma_cm_id *, struct rdma_event_channel *);
    __be16 (*get_src_port)(struct rdma_cm_id *);
    const char *(*event_str)(enum rdma_cm_event_type);
} rt;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_status = -ENOENT;
static char load_message[256];

#define BIND(lib, field, name)                                                     \
    do {                                                                           \
        *(void **)(&rt.field) = dlsym(lib, name);                                  \
        if (rt.field == NULL) {                                                    \
            snprintf(load_message, sizeof load_message, "symbol %s missing", name); \
            return;                                                                \
        }                                                                          \
    } while (0)

static void load_once_fn(void)
{
    rt.verbs_lib = dlopen("libibverbs.so.1", RTLD_NOW | RTLD_GLOBAL);
    if (rt.verbs_lib == NULL) {
        snprintf(load_message, sizeof load_message, "rdma-core not installed (libibverbs.so.1: %s)", dlerror());
        return;
    }
    rt.cm_lib = dlopen("librdmacm.so.1", RTLD_NOW | RTLD_GLOBAL);
    if (rt.cm_lib == NULL) {
        snprintf(load_message, sizeof load_message, "rdma-core incomplete (librdmacm.so.1: %s)", dlerror());
        return;
    }
    BIND(rt.verbs_lib, get_device_list, "ibv_get_device_list");
    BIND(rt.verbs_lib, free_device_list, "ibv_free_device_list");
    BIND(rt.verbs_lib, get_device_name, "ibv_get_device_name");
    BIND(rt.verbs_lib, get_device_guid, "ibv_get_device_guid");
    BIND(rt.verbs_lib, open_device, "ibv_open_device");
    BIND(rt.verbs_lib, close_device, "ibv_close_device");
    BIND(rt.verbs_lib, query_device, "ibv_query_device");
    BIND(rt.verbs_lib, query_port, "ibv_query_port");
    BIND(rt.verbs_lib, alloc_pd, "ibv_alloc_pd");
    BIND(rt.verbs_lib, dealloc_pd, "ibv_dealloc_pd");
    BIND(rt.verbs_lib, reg_mr, "ibv_reg_mr");
    BIND(rt.verbs_lib, dereg_mr, "ibv_dereg_mr");
    BIND(rt.verbs_lib, create_comp_channel, "ibv_create_comp_channel");
    BIND(rt.verbs_lib, destroy_comp_channel, "ibv_destroy_comp_channel");
    BIND(rt.verbs_lib, create_cq, "ibv_create_cq");
    BIND(rt.verbs_lib, destroy_cq, "ibv_destroy_cq");
    BIND(rt.verbs_lib, get_cq_event, "ibv_get_cq_event");
    BIND(rt.verbs_lib, ack_cq_events, "ibv_ack_cq_events");
    BIND(rt.cm_lib, create_event_channel, "rdma_create_event_channel");
    BIND(rt.cm_lib, destroy_event_channel, "rdma_destroy_event_channel");
    BIND(rt.cm_lib, create_id, "rdma_create_id");
    BIND(rt.cm_lib, destroy_id, "rdma_destroy_id");
    BIND(rt.cm_lib, bind_addr, "rdma_bind_addr");
    BIND(rt.cm_lib, listen, "rdma_listen");
    BIND(rt.cm_lib, resolve_addr, "rdma_resolve_addr");
    BIND(rt.cm_lib, resolve_route, "rdma_resolve_route");
    BIND(rt.cm_lib, connect, "rdma_connect");
    BIND(rt.cm_lib, accept, "rdma_accept");
    BIND(rt.cm_lib, reject, "rdma_reject");
    BIND(rt.cm_lib, disconnect, "rdma_disconnect");
    BIND(rt.cm_lib, get_cm_event, "rdma_get_cm_event");
    BIND(rt.cm_lib, ack_cm_event, "rdma_ack_cm_event");
    BIND(rt.cm_lib, create_qp, "rdma_create_qp");
    BIND(rt.cm_lib, destroy_qp, "rdma_destroy_qp");
    BIND(rt.cm_lib, migrate_id, "rdma_migrate_id");
    BIND(rt.cm_lib, get_src_port, "rdma_get_src_port");
    BIND(rt.cm_lib, event_str, "rdma_event_str");
    load_status = 0;
}

int32_t orion_ibv_load(void)
{
    pthread_once(&load_once, load_once_fn);
    if (load_status != 0) {
        set_error("%s", load_message);
    }
    return load_status;
}

#define REQUIRE_LOADED()                 \
    do {                                 \
        int rc_ = orion_ibv_load();      \
        if (rc_ != 0) return rc_;        \
    } while (0)

static int32_t fail_errno(int err, const char *what)
{
    if (err <= 0) err = EIO;
    set_error("%s: %s", what, strerror(err));
    return -err;
}

/* ---- discovery ---------------------------------------------------------------------------- */

int32_t orion_ibv_list_devices(orion_ibv_device_info *out, int32_t max)
{
    REQUIRE_LOADED();
    int count = 0;
    struct ibv_device **list = rt.get_device_list(&count);
    if (list == NULL) {
        /* ENOSYS: the kernel has no uverbs support at all, which for us simply means no device. */
        if (errno == ENOSYS || errno == ENOENT) {
            set_error("no RDMA device (kernel has no uverbs support)");
            return 0;
        }
        return fail_errno(errno, "ibv_get_device_list");
    }
    if (count == 0) {
        set_error("no RDMA device");
    }
    for (int i = 0; i < count && i < max && out != NULL; i++) {
        orion_ibv_device_info *info = &out[i];
        memset(info, 0, sizeof *info);
        snprintf(info->name, sizeof info->name, "%s", rt.get_device_name(list[i]));
        info->node_guid = be64toh(rt.get_device_guid(list[i]));
        struct ibv_context *ctx = rt.open_device(list[i]);
        if (ctx == NULL) {
            info->port_state = -1;
            continue;
        }
        struct ibv_device_attr attr;
        memset(&attr, 0, sizeof attr);
        if (rt.query_device(ctx, &attr) == 0) {
            info->max_mr_size = attr.max_mr_size;
            info->vendor_id = attr.vendor_id;
            info->vendor_part_id = attr.vendor_part_id;
            info->phys_port_cnt = attr.phys_port_cnt;
            info->max_qp_wr = attr.max_qp_wr;
            info->max_sge = attr.max_sge;
            info->max_cqe = attr.max_cqe;
            info->max_mr = attr.max_mr;
        }
        struct ibv_port_attr port;
        memset(&port, 0, sizeof port);
        if (rt.query_port(ctx, 1, &port) == 0) {
            info->port_state = port.state;
            info->link_layer = port.link_layer;
            info->active_mtu = port.active_mtu;
        }
        rt.close_device(ctx);
    }
    rt.free_device_list(list);
    return count;
}

/* ---- endpoints ---------------------------------------------------------------------------- */

struct orion_ibv_ep {
    struct rdma_event_channel *events;
    struct rdma_cm_id *id;
    struct ibv_pd *pd;
    struct ibv_comp_channel *comp;
    struct ibv_cq *cq;
    uint32_t max_inline;
    int disconnected;
    int qp_created;
};

struct orion_ibv_listener {
    struct rdma_event_channel *events;
    struct rdma_cm_id *id;
};

struct orion_ibv_mr_handle {
    struct ibv_mr *mr;
};

static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for the next cm event on a non-blocking channel; -ETIMEDOUT when none came in time. */
static int next_cm_event(struct rdma_event_channel *ch, int32_t timeout_ms, struct rdma_cm_event **ev)
{
    int64_t deadline = now_ms() + (timeout_ms < 0 ? 0 : timeout_ms);
    for (;;) {
        if (rt.get_cm_event(ch, ev) == 0) return 0;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return fail_errno(errno, "rdma_get_cm_event");
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            set_error("timed out waiting for an rdma_cm event");
            return -ETIMEDOUT;
        }
        struct pollfd pfd = { .fd = ch->fd, .events = POLLIN };
        int rc = poll(&pfd, 1, (int)left);
        if (rc < 0 && errno != EINTR) return fail_errno(errno, "poll(rdma_cm channel)");
    }
}

/* Waits for one expected event; any other event is a failure mapped to an errno. */
static int expect_cm_event(orion_ibv_ep *ep, enum rdma_cm_event_type want, int32_t timeout_ms,
                           void *priv, uint8_t *priv_len)
{
    struct rdma_cm_event *ev;
    int rc = next_cm_event(ep->events, timeout_ms, &ev);
    if (rc != 0) return rc;
    enum rdma_cm_event_type got = ev->event;
    int status = ev->status;
    if (got == want && priv != NULL && priv_len != NULL) {
        uint8_t n = ev->param.conn.private_data_len;
        if (n > ORION_IBV_MAX_PRIVATE_DATA) n = ORION_IBV_MAX_PRIVATE_DATA;
        if (ev->param.conn.private_data != NULL) memcpy(priv, ev->param.conn.private_data, n);
        else n = 0;
        *priv_len = n;
    }
    rt.ack_cm_event(ev);
    if (got == want) return 0;
    set_error("expected rdma_cm event %s, got %s (status %d)", rt.event_str(want), rt.event_str(got), status);
    switch (got) {
    case RDMA_CM_EVENT_REJECTED: return -ECONNREFUSED;
    case RDMA_CM_EVENT_UNREACHABLE:
    case RDMA_CM_EVENT_ADDR_ERROR:
    case RDMA_CM_EVENT_ROUTE_ERROR: return -EHOSTUNREACH;
    case RDMA_CM_EVENT_DISCONNECTED: ep->disconnected = 1; return -ECONNRESET;
    default: return -EPROTO;
    }
}

static int resolve(const char *host, uint16_t port, int passive, struct sockaddr_storage *out)
{
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = passive ? AI_PASSIVE : 0 };
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host != NULL && host[0] != '\0' ? host : NULL, service, &hints, &res);
    if (rc != 0 || res == NULL) {
        set_error("cannot resolve %s: %s", host != NULL ? host : "(any)", gai_strerror(rc));
        return -EHOSTUNREACH;
    }
    memcpy(out, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return 0;
}

static void destroy_resources(orion_ibv_ep *ep)
{
    if (ep->qp_created) rt.destroy_qp(ep->id);
    if (ep->cq != NULL) rt.destroy_cq(ep->cq);
    if (ep->comp != NULL) rt.destroy_comp_channel(ep->comp);
    if (ep->pd != NULL) rt.dealloc_pd(ep->pd);
    ep->qp_created = 0;
    ep->cq = NULL;
    ep->comp = NULL;
    ep->pd = NULL;
}

static int create_resources(orion_ibv_ep *ep, orion_ibv_qp_caps *caps)
{
    struct ibv_context *verbs = ep->id->verbs;
    if (verbs == NULL) {
        set_error("rdma_cm id has no device context");
        return -ENODEV;
    }
    if ((ep->pd = rt.alloc_pd(verbs)) == NULL) return fail_errno(errno, "ibv_alloc_pd");
    if ((ep->comp = rt.create_comp_channel(verbs)) == NULL) return fail_errno(errno, "ibv_create_comp_channel");
    if (set_nonblocking(ep->comp->fd) != 0) return fail_errno(errno, "fcntl(completion channel)");
    if ((ep->cq = rt.create_cq(verbs, (int)caps->cq_entries, NULL, ep->comp, 0)) == NULL) return fail_errno(errno, "ibv_create_cq");
    struct ibv_qp_init_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.send_cq = ep->cq;
    attr.recv_cq = ep->cq;
    attr.qp_type = IBV_QPT_RC;
    attr.sq_sig_all = 0; /* selective signalling: the caller flags the requests it wants completed */
    attr.cap.max_send_wr = caps->max_send_wr;
    attr.cap.max_recv_wr = caps->max_recv_wr;
    attr.cap.max_send_sge = 1;
    attr.cap.max_recv_sge = 1;
    attr.cap.max_inline_data = caps->max_inline_data;
    if (rt.create_qp(ep->id, ep->pd, &attr) != 0) return fail_errno(errno, "rdma_create_qp");
    ep->qp_created = 1;
    caps->max_send_wr = attr.cap.max_send_wr;
    caps->max_recv_wr = attr.cap.max_recv_wr;
    caps->max_inline_data = attr.cap.max_inline_data;
    caps->cq_entries = (uint32_t)ep->cq->cqe;
    ep->max_inline = attr.cap.max_inline_data;
    return 0;
}

static orion_ibv_ep *new_ep(int *rc)
{
    orion_ibv_ep *ep = calloc(1, sizeof *ep);
    if (ep == NULL) {
        *rc = fail_errno(ENOMEM, "endpoint");
        return NULL;
    }
    ep->events = rt.create_event_channel();
    if (ep->events == NULL || set_nonblocking(ep->events->fd) != 0) {
        *rc = fail_errno(errno, "rdma_create_event_channel");
        if (ep->events != NULL) rt.destroy_event_channel(ep->events);
        free(ep);
        return NULL;
    }
    return ep;
}

void orion_ibv_ep_destroy(orion_ibv_ep *ep)
{
    if (ep == NULL) return;
    destroy_resources(ep);
    if (ep->id != NULL) rt.destroy_id(ep->id);
    if (ep->events != NULL) rt.destroy_event_channel(ep->events);
    free(ep);
}

int32_t orion_ibv_ep_create_client(const char *host, uint16_t port, int32_t timeout_ms,
                                   orion_ibv_qp_caps *caps, orion_ibv_ep **out)
{
    REQUIRE_LOADED();
    *out = NULL;
    struct sockaddr_storage addr;
    int rc = resolve(host, port, 0, &addr);
    if (rc != 0) return rc;
    orion_ibv_ep *ep = new_ep(&rc);
    if (ep == NULL) return rc;
    if (rt.create_id(ep->events, &ep->id, ep, RDMA_PS_TCP) != 0) {
        rc = fail_errno(errno, "rdma_create_id");
        goto fail;
    }
    if (rt.resolve_addr(ep->id, NULL, (struct sockaddr *)&addr, timeout_ms) != 0) {
        rc = fail_errno(errno, "rdma_resolve_addr");
        goto fail;
    }
    if ((rc = expect_cm_event(ep, RDMA_CM_EVENT_ADDR_RESOLVED, timeout_ms, NULL, NULL)) != 0) goto fail;
    if (rt.resolve_route(ep->id, timeout_ms) != 0) {
        rc = fail_errno(errno, "rdma_resolve_route");
        goto fail;
    }
    if ((rc = expect_cm_event(ep, RDMA_CM_EVENT_ROUTE_RESOLVED, timeout_ms, NULL, NULL)) != 0) goto fail;
    if ((rc = create_resources(ep, caps)) != 0) goto fail;
    *out = ep;
    return 0;
fail:
    orion_ibv_ep_destroy(ep);
    return rc;
}

static struct rdma_conn_param conn_param(const void *priv, uint8_t priv_len)
{
    struct rdma_conn_param p;
    memset(&p, 0, sizeof p);
    p.private_data = priv;
    p.private_data_len = priv_len;
    p.responder_resources = 1;
    p.initiator_depth = 1;
    p.retry_count = 7;
    p.rnr_retry_count = 7; /* 7 = retry forever: the credit scheme, not RNR, paces senders */
    return p;
}

int32_t orion_ibv_ep_connect(orion_ibv_ep *ep, const void *priv, uint8_t priv_len, int32_t timeout_ms,
                             void *peer_priv, uint8_t *peer_priv_len)
{
    if (priv_len > ORION_IBV_MAX_PRIVATE_DATA) return fail_errno(EINVAL, "private data too long");
    struct rdma_conn_param p = conn_param(priv, priv_len);
    if (rt.connect(ep->id, &p) != 0) return fail_errno(errno, "rdma_connect");
    return expect_cm_event(ep, RDMA_CM_EVENT_ESTABLISHED, timeout_ms, peer_priv, peer_priv_len);
}

int32_t orion_ibv_listen(const char *host, uint16_t port, int32_t backlog, orion_ibv_listener **out, uint16_t *bound_port)
{
    REQUIRE_LOADED();
    *out = NULL;
    struct sockaddr_storage addr;
    int rc = resolve(host, port, 1, &addr);
    if (rc != 0) return rc;
    orion_ibv_listener *l = calloc(1, sizeof *l);
    if (l == NULL) return fail_errno(ENOMEM, "listener");
    l->events = rt.create_event_channel();
    if (l->events == NULL || set_nonblocking(l->events->fd) != 0) {
        rc = fail_errno(errno, "rdma_create_event_channel");
        goto fail;
    }
    if (rt.create_id(l->events, &l->id, l, RDMA_PS_TCP) != 0) {
        rc = fail_errno(errno, "rdma_create_id");
        goto fail;
    }
    if (rt.bind_addr(l->id, (struct sockaddr *)&addr) != 0) {
        rc = fail_errno(errno, "rdma_bind_addr");
        goto fail;
    }
    if (rt.listen(l->id, backlog) != 0) {
        rc = fail_errno(errno, "rdma_listen");
        goto fail;
    }
    *bound_port = ntohs(rt.get_src_port(l->id));
    *out = l;
    return 0;
fail:
    orion_ibv_listener_destroy(l);
    return rc;
}

void orion_ibv_listener_destroy(orion_ibv_listener *l)
{
    if (l == NULL) return;
    if (l->id != NULL) rt.destroy_id(l->id);
    if (l->events != NULL) rt.destroy_event_channel(l->events);
    free(l);
}

int32_t orion_ibv_listener_get_request(orion_ibv_listener *l, int32_t timeout_ms, orion_ibv_qp_caps *caps,
                                       orion_ibv_ep **out, void *peer_priv, uint8_t *peer_priv_len)
{
    *out = NULL;
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        struct rdma_cm_event *ev;
        int32_t left = (int32_t)(deadline - now_ms());
        int rc = next_cm_event(l->events, left < 0 ? 0 : left, &ev);
        if (rc != 0) return rc;
        if (ev->event != RDMA_CM_EVENT_CONNECT_REQUEST) {
            rt.ack_cm_event(ev); /* stray events of ids not yet migrated: nothing to do */
            continue;
        }
        struct rdma_cm_id *child = ev->id;
        uint8_t n = ev->param.conn.private_data_len;
        if (n > ORION_IBV_MAX_PRIVATE_DATA) n = ORION_IBV_MAX_PRIVATE_DATA;
        if (ev->param.conn.private_data != NULL) memcpy(peer_priv, ev->param.conn.private_data, n);
        else n = 0;
        *peer_priv_len = n;
        rt.ack_cm_event(ev); /* must precede rdma_migrate_id, which waits for unacked events */
        orion_ibv_ep *ep = new_ep(&rc);
        if (ep == NULL) {
            rt.reject(child, NULL, 0);
            rt.destroy_id(child);
            return rc;
        }
        ep->id = child;
        if (rt.migrate_id(child, ep->events) != 0) {
            rc = fail_errno(errno, "rdma_migrate_id");
        } else {
            rc = create_resources(ep, caps);
        }
        if (rc != 0) {
            rt.reject(child, NULL, 0);
            orion_ibv_ep_destroy(ep);
            return rc;
        }
        *out = ep;
        return 0;
    }
}

int32_t orion_ibv_ep_accept(orion_ibv_ep *ep, const void *priv, uint8_t priv_len, int32_t timeout_ms)
{
    if (priv_len > ORION_IBV_MAX_PRIVATE_DATA) return fail_errno(EINVAL, "private data too long");
    struct rdma_conn_param p = conn_param(priv, priv_len);
    if (rt.accept(ep->id, &p) != 0) return fail_errno(errno, "rdma_accept");
    return expect_cm_event(ep, RDMA_CM_EVENT_ESTABLISHED, timeout_ms, NULL, NULL);
}

int32_t orion_ibv_ep_reject(orion_ibv_ep *ep)
{
    return rt.reject(ep->id, NULL, 0) == 0 ? 0 : fail_errno(errno, "rdma_reject");
}

/* ---- memory registration ------------------------------------------------------------------ */

int32_t orion_ibv_reg_mr(orion_ibv_ep *ep, uint64_t addr, uint64_t length, uint32_t access, orion_ibv_mr_info *out)
{
    struct ibv_mr *mr = rt.reg_mr(ep->pd, (void *)(uintptr_t)addr, (size_t)length, (int)access);
    if (mr == NULL) return fail_errno(errno, "ibv_reg_mr");
    out->handle = (uint64_t)(uintptr_t)mr;
    out->lkey = mr->lkey;
    out->rkey = mr->rkey;
    return 0;
}

int32_t orion_ibv_dereg_mr(uint64_t handle)
{
    int rc = rt.dereg_mr((struct ibv_mr *)(uintptr_t)handle);
    return rc == 0 ? 0 : fail_errno(rc, "ibv_dereg_mr");
}

/* ---- data path ---------------------------------------------------------------------------- */

int32_t orion_ibv_post_send(orion_ibv_ep *ep, const orion_ibv_send_wr *wrs, int32_t n, int32_t *bad_index)
{
    struct ibv_send_wr chain[ORION_IBV_CHAIN];
    struct ibv_sge sges[ORION_IBV_CHAIN];
    *bad_index = -1;
    for (int32_t base = 0; base < n; base += ORION_IBV_CHAIN) {
        int32_t count = n - base < ORION_IBV_CHAIN ? n - base : ORION_IBV_CHAIN;
        for (int32_t i = 0; i < count; i++) {
            const orion_ibv_send_wr *w = &wrs[base + i];
            sges[i].addr = w->local_addr;
            sges[i].length = w->length;
            sges[i].lkey = w->lkey;
            memset(&chain[i], 0, sizeof chain[i]);
            chain[i].wr_id = w->wr_id;
            chain[i].sg_list = &sges[i];
            chain[i].num_sge = w->length == 0 ? 0 : 1;
            chain[i].opcode = (enum ibv_wr_opcode)w->opcode;
            chain[i].send_flags = w->send_flags;
            chain[i].imm_data = htonl(w->imm_data);
            chain[i].wr.rdma.remote_addr = w->remote_addr;
            chain[i].wr.rdma.rkey = w->rkey;
            chain[i].next = i + 1 < count ? &chain[i + 1] : NULL;
        }
        struct ibv_send_wr *bad = NULL;
        int rc = ibv_post_send(ep->id->qp, chain, &bad);
        if (rc != 0) {
            *bad_index = base + (bad != NULL ? (int32_t)(bad - chain) : 0);
            return fail_errno(rc, "ibv_post_send");
        }
    }
    return 0;
}

int32_t orion_ibv_post_recv(orion_ibv_ep *ep, const orion_ibv_recv_wr *wrs, int32_t n, int32_t *bad_index)
{
    struct ibv_recv_wr chain[ORION_IBV_CHAIN];
    struct ibv_sge sges[ORION_IBV_CHAIN];
    *bad_index = -1;
    for (int32_t base = 0; base < n; base += ORION_IBV_CHAIN) {
        int32_t count = n - base < ORION_IBV_CHAIN ? n - base : ORION_IBV_CHAIN;
        for (int32_t i = 0; i < count; i++) {
            const orion_ibv_recv_wr *w = &wrs[base + i];
            sges[i].addr = w->addr;
            sges[i].length = w->length;
            sges[i].lkey = w->lkey;
            chain[i].wr_id = w->wr_id;
            chain[i].sg_list = &sges[i];
            chain[i].num_sge = w->length == 0 ? 0 : 1;
            chain[i].next = i + 1 < count ? &chain[i + 1] : NULL;
        }
        struct ibv_recv_wr *bad = NULL;
        int rc = ibv_post_recv(ep->id->qp, chain, &bad);
        if (rc != 0) {
            *bad_index = base + (bad != NULL ? (int32_t)(bad - chain) : 0);
            return fail_errno(rc, "ibv_post_recv");
        }
    }
    return 0;
}

int32_t orion_ibv_poll_cq(orion_ibv_ep *ep, orion_ibv_wc *out, int32_t max)
{
    struct ibv_wc wc[ORION_IBV_CHAIN];
    int32_t total = 0;
    while (total < max) {
        int want = max - total < ORION_IBV_CHAIN ? max - total : ORION_IBV_CHAIN;
        int got = ibv_poll_cq(ep->cq, want, wc);
        if (got < 0) return fail_errno(EIO, "ibv_poll_cq");
        for (int i = 0; i < got; i++) {
            orion_ibv_wc *o = &out[total + i];
            o->wr_id = wc[i].wr_id;
            o->status = wc[i].status;
            o->opcode = wc[i].opcode;
            o->byte_len = wc[i].byte_len;
            o->imm_data = (wc[i].wc_flags & IBV_WC_WITH_IMM) ? ntohl(wc[i].imm_data) : 0;
            o->wc_flags = wc[i].wc_flags;
            o->vendor_err = wc[i].vendor_err;
        }
        total += got;
        if (got < want) break;
    }
    return total;
}

int32_t orion_ibv_wait_cq(orion_ibv_ep *ep, int32_t timeout_ms)
{
    /* Arm first, then sleep: a completion that raced in before arming is found by the caller's
     * poll after we return, because the caller always polls after waking. */
    int rc = ibv_req_notify_cq(ep->cq, 0);
    if (rc != 0) return fail_errno(rc, "ibv_req_notify_cq");
    struct pollfd pfd = { .fd = ep->comp->fd, .events = POLLIN };
    rc = poll(&pfd, 1, timeout_ms);
    if (rc < 0) return errno == EINTR ? 0 : fail_errno(errno, "poll(completion channel)");
    if (rc == 0) return 0;
    struct ibv_cq *cq;
    void *ctx;
    if (rt.get_cq_event(ep->comp, &cq, &ctx) != 0) {
        return errno == EAGAIN ? 0 : fail_errno(errno, "ibv_get_cq_event");
    }
    rt.ack_cq_events(cq, 1);
    return 1;
}

int32_t orion_ibv_ep_disconnected(orion_ibv_ep *ep)
{
    struct rdma_cm_event *ev;
    while (!ep->disconnected && rt.get_cm_event(ep->events, &ev) == 0) {
        enum rdma_cm_event_type type = ev->event;
        rt.ack_cm_event(ev);
        if (type == RDMA_CM_EVENT_DISCONNECTED || type == RDMA_CM_EVENT_DEVICE_REMOVAL ||
            type == RDMA_CM_EVENT_TIMEWAIT_EXIT) {
            ep->disconnected = 1;
        }
    }
    return ep->disconnected;
}

int32_t orion_ibv_ep_max_inline(orion_ibv_ep *ep) { return (int32_t)ep->max_inline; }

void orion_ibv_ep_disconnect(orion_ibv_ep *ep)
{
    if (ep != NULL && ep->id != NULL) rt.disconnect(ep->id);
}
