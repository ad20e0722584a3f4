/*
 * shim_test.c - checks the shim's interop contract against the real rdma-core headers:
 *  - each ORION_IBV_* constant the C# side mirrors equals the rdma-core value it stands for;
 *  - the fixed-width structs have the layout the C# blittable structs assume; the layout is also
 *    written to build/layout.txt, which the C# test suite compares with its own structs;
 *  - discovery runs on this host and, unless ORION_IBV_EXPECT_DEVICES is set, finds no device;
 *  - connection setup without a device fails with a negative errno and a message, not a crash.
 */
#include "orion_ibv.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

static int failures;
static FILE *layout;

#define CHECK(cond, ...)                                   \
    do {                                                   \
        if (!(cond)) {                                     \
            failures++;                                    \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                  \
            fputc('\n', stderr);                           \
        }                                                  \
    } while (0)

#define SAME(orion, ibv) CHECK((long)(orion) == (long)(ibv), "%s = %ld but %s = %ld", #orion, (long)(orion), #ibv, (long)(ibv))

/* Expected layout: what the C# structs in Orion.Transport.Rdma.Native declare. */
#define LAYOUT(type, size)                                                                  \
    do {                                                                                    \
        CHECK(sizeof(type) == (size), "sizeof(%s) = %zu, expected %d", #type, sizeof(type), size); \
        fprintf(layout, "%s.size %zu\n", #type, sizeof(type));                             \
    } while (0)
#define FIELD(type, field, offset)                                                          \
    do {                                                                                    \
        CHECK(offsetof(type, field) == (offset), "offsetof(%s, %s) = %zu, expected %d", #type, #field, \
              offsetof(type, field), offset);                                               \
        fprintf(layout, "%s.%s %zu\n", #type, #field, offsetof(type, field));              \
    } while (0)

static void check_constants(void)
{
    SAME(ORION_IBV_WR_RDMA_WRITE, IBV_WR_RDMA_WRITE);
    SAME(ORION_IBV_WR_RDMA_WRITE_WITH_IMM, IBV_WR_RDMA_WRITE_WITH_IMM);
    SAME(ORION_IBV_WR_SEND, IBV_WR_SEND);
    SAME(ORION_IBV_WR_SEND_WITH_IMM, IBV_WR_SEND_WITH_IMM);
    SAME(ORION_IBV_SEND_SIGNALED, IBV_SEND_SIGNALED);
    SAME(ORION_IBV_SEND_INLINE, IBV_SEND_INLINE);
    SAME(ORION_IBV_ACCESS_LOCAL_WRITE, IBV_ACCESS_LOCAL_WRITE);
    SAME(ORION_IBV_ACCESS_REMOTE_WRITE, IBV_ACCESS_REMOTE_WRITE);
    SAME(ORION_IBV_ACCESS_REMOTE_READ, IBV_ACCESS_REMOTE_READ);
    SAME(ORION_IBV_WC_SEND, IBV_WC_SEND);
    SAME(ORION_IBV_WC_RDMA_WRITE, IBV_WC_RDMA_WRITE);
    SAME(ORION_IBV_WC_RECV, IBV_WC_RECV);
    SAME(ORION_IBV_WC_RECV_RDMA_WITH_IMM, IBV_WC_RECV_RDMA_WITH_IMM);
    SAME(ORION_IBV_WC_SUCCESS, IBV_WC_SUCCESS);
    SAME(ORION_IBV_WC_LOC_LEN_ERR, IBV_WC_LOC_LEN_ERR);
    SAME(ORION_IBV_WC_LOC_PROT_ERR, IBV_WC_LOC_PROT_ERR);
    SAME(ORION_IBV_WC_WR_FLUSH_ERR, IBV_WC_WR_FLUSH_ERR);
    SAME(ORION_IBV_WC_REM_INV_REQ_ERR, IBV_WC_REM_INV_REQ_ERR);
    SAME(ORION_IBV_WC_REM_ACCESS_ERR, IBV_WC_REM_ACCESS_ERR);
    SAME(ORION_IBV_WC_RETRY_EXC_ERR, IBV_WC_RETRY_EXC_ERR);
    SAME(ORION_IBV_WC_RNR_RETRY_EXC_ERR, IBV_WC_RNR_RETRY_EXC_ERR);
    SAME(ORION_IBV_WC_WITH_IMM, IBV_WC_WITH_IMM);
    SAME(ORION_IBV_PORT_ACTIVE, IBV_PORT_ACTIVE);
    /* The shim copies at most this much private data; rdma_cm's RC connect carries 56 bytes. */
    CHECK(ORION_IBV_MAX_PRIVATE_DATA <= 56, "private data above the RC connect limit");
    /* The shim's device name buffer must hold a kernel IB device name. */
    CHECK(sizeof(((orion_ibv_device_info *)0)->name) >= IBV_SYSFS_NAME_MAX, "device name buffer too small");
}

static void check_layout(void)
{
    LAYOUT(orion_ibv_device_info, 120);
    FIELD(orion_ibv_device_info, name, 0);
    FIELD(orion_ibv_device_info, node_guid, 64);
    FIELD(orion_ibv_device_info, max_mr_size, 72);
    FIELD(orion_ibv_device_info, vendor_id, 80);
    FIELD(orion_ibv_device_info, port_state, 92);
    FIELD(orion_ibv_device_info, link_layer, 96);
    FIELD(orion_ibv_device_info, max_mr, 116);
    LAYOUT(orion_ibv_qp_caps, 16);
    FIELD(orion_ibv_qp_caps, max_inline_data, 8);
    FIELD(orion_ibv_qp_caps, cq_entries, 12);
    LAYOUT(orion_ibv_send_wr, 48);
    FIELD(orion_ibv_send_wr, wr_id, 0);
    FIELD(orion_ibv_send_wr, local_addr, 8);
    FIELD(orion_ibv_send_wr, remote_addr, 16);
    FIELD(orion_ibv_send_wr, length, 24);
    FIELD(orion_ibv_send_wr, lkey, 28);
    FIELD(orion_ibv_send_wr, rkey, 32);
    FIELD(orion_ibv_send_wr, opcode, 36);
    FIELD(orion_ibv_send_wr, send_flags, 40);
    FIELD(orion_ibv_send_wr, imm_data, 44);
    LAYOUT(orion_ibv_recv_wr, 24);
    FIELD(orion_ibv_recv_wr, addr, 8);
    FIELD(orion_ibv_recv_wr, length, 16);
    FIELD(orion_ibv_recv_wr, lkey, 20);
    LAYOUT(orion_ibv_wc, 32);
    FIELD(orion_ibv_wc, status, 8);
    FIELD(orion_ibv_wc, opcode, 12);
    FIELD(orion_ibv_wc, byte_len, 16);
    FIELD(orion_ibv_wc, imm_data, 20);
    FIELD(orion_ibv_wc, wc_flags, 24);
    FIELD(orion_ibv_wc, vendor_err, 28);
    LAYOUT(orion_ibv_mr_info, 16);
    FIELD(orion_ibv_mr_info, lkey, 8);
    FIELD(orion_ibv_mr_info, rkey, 12);
}

static void check_discovery(void)
{
    CHECK(orion_ibv_abi_version() == ORION_IBV_ABI_VERSION, "abi version");
    int rc = orion_ibv_load();
    printf("load: %d (%s)\n", rc, rc == 0 ? "rdma-core present" : orion_ibv_last_error());
    if (rc != 0) {
        CHECK(rc == -ENOENT && strlen(orion_ibv_last_error()) > 0, "load failure must say why");
        CHECK(orion_ibv_list_devices(NULL, 0) == rc, "discovery without rdma-core must fail the same way");
        return;
    }
    orion_ibv_device_info devices[8];
    int count = orion_ibv_list_devices(devices, 8);
    printf("devices: %d%s%s\n", count, count == 0 ? " - " : "", count == 0 ? orion_ibv_last_error() : "");
    for (int i = 0; i < count && i < 8; i++) {
        printf("  %s guid=%016llx port_state=%d link_layer=%d\n", devices[i].name,
               (unsigned long long)devices[i].node_guid, devices[i].port_state, devices[i].link_layer);
    }
    if (getenv("ORION_IBV_EXPECT_DEVICES") == NULL) {
        CHECK(count == 0, "expected no RDMA device on this host, found %d", count);
        /* With no device, connection setup must fail cleanly with an errno and a message. */
        orion_ibv_qp_caps caps = { 16, 16, 64, 32 };
        orion_ibv_ep *ep = (orion_ibv_ep *)1;
        rc = orion_ibv_ep_create_client("127.0.0.1", 7471, 200, &caps, &ep);
        printf("connect without device: %d (%s)\n", rc, orion_ibv_last_error());
        CHECK(rc < 0 && ep == NULL && strlen(orion_ibv_last_error()) > 0, "connect without a device must fail cleanly");
    } else {
        CHECK(count > 0, "ORION_IBV_EXPECT_DEVICES is set but no device was found");
    }
}

int main(void)
{
    layout = fopen("build/layout.txt", "w");
    if (layout == NULL) layout = fopen("/dev/null", "w");
    check_constants();
    check_layout();
    fclose(layout);
    check_discovery();
    if (failures != 0) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("shim_test: all checks passed\n");
    return 0;
}
