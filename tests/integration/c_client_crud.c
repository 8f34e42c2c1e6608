/*
 * c_client_crud: drives a ZooKeeper server through the Apache C client (libzookeeper_mt,
 * synchronous API) the way a C application would. Usage: c_client_crud host:port
 * Prints "OK" and exits 0 when every check passed; otherwise prints the failed check and
 * exits 1. Every wait is bounded.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <zookeeper.h>

#define MAX_EVENTS 64

struct event_rec {
    int type;
    int state;
    char path[256];
    const char *tag;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_state = 0;
static struct event_rec g_events[MAX_EVENTS];
static int g_nevents = 0;
static int g_failures = 0;

static void record(int type, int state, const char *path, const char *tag) {
    pthread_mutex_lock(&g_mu);
    if (type == ZOO_SESSION_EVENT) {
        g_state = state;
    } else if (g_nevents < MAX_EVENTS) {
        g_events[g_nevents].type = type;
        g_events[g_nevents].state = state;
        snprintf(g_events[g_nevents].path, sizeof g_events[g_nevents].path, "%s",
                 path ? path : "");
        g_events[g_nevents].tag = tag;
        g_nevents++;
    }
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

static void global_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    (void)zh;
    (void)ctx;
    record(type, state, path, "global");
}

static void tagged_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx) {
    (void)zh;
    record(type, state, path, (const char *)ctx);
}

static void deadline_in(struct timespec *ts, int ms) {
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static int wait_connected(int ms) {
    struct timespec ts;
    deadline_in(&ts, ms);
    pthread_mutex_lock(&g_mu);
    while (g_state != ZOO_CONNECTED_STATE) {
        if (pthread_cond_timedwait(&g_cv, &g_mu, &ts) == ETIMEDOUT) break;
    }
    int ok = g_state == ZOO_CONNECTED_STATE;
    pthread_mutex_unlock(&g_mu);
    return ok;
}

/* Wait for an event with this type, path and tag; returns 1 if seen within ms. */
static int wait_event(int type, const char *path, const char *tag, int ms) {
    struct timespec ts;
    deadline_in(&ts, ms);
    pthread_mutex_lock(&g_mu);
    for (;;) {
        for (int i = 0; i < g_nevents; i++) {
            if (g_events[i].type == type && strcmp(g_events[i].path, path) == 0 &&
                strcmp(g_events[i].tag, tag) == 0) {
                pthread_mutex_unlock(&g_mu);
                return 1;
            }
        }
        if (pthread_cond_timedwait(&g_cv, &g_mu, &ts) == ETIMEDOUT) break;
    }
    pthread_mutex_unlock(&g_mu);
    return 0;
}

static int count_events(const char *tag) {
    pthread_mutex_lock(&g_mu);
    int n = 0;
    for (int i = 0; i < g_nevents; i++)
        if (strcmp(g_events[i].tag, tag) == 0) n++;
    pthread_mutex_unlock(&g_mu);
    return n;
}

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            printf("FAILED line %d: %s -- ", __LINE__, #cond);             \
            printf(__VA_ARGS__);                                           \
            printf("\n");                                                  \
            fflush(stdout);                                                \
            g_failures++;                                                  \
            goto done;                                                     \
        }                                                                  \
    } while (0)

#define CHECK_RC(expr, want)                                               \
    do {                                                                   \
        int rc_ = (expr);                                                  \
        CHECK(rc_ == (want), "%s returned %d (%s), wanted %d", #expr, rc_, \
              zerror(rc_), (int)(want));                                   \
    } while (0)

static int has_child(const struct String_vector *v, const char *name) {
    for (int i = 0; i < v->count; i++)
        if (strcmp(v->data[i], name) == 0) return 1;
    return 0;
}

static zhandle_t *connect_or_null(const char *hosts) {
    pthread_mutex_lock(&g_mu);
    g_state = 0;
    pthread_mutex_unlock(&g_mu);
    zhandle_t *zh = zookeeper_init(hosts, global_watcher, 10000, 0, NULL, 0);
    if (!zh) return NULL;
    if (!wait_connected(10000)) {
        zookeeper_close(zh);
        return NULL;
    }
    return zh;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s host:port\n", argv[0]);
        return 2;
    }
    const char *hosts = argv[1];
    zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);

    zhandle_t *zh = NULL, *zh2 = NULL;
    char root[128], p[320], q[256], buf[512], pathbuf[256];
    int len;
    struct Stat st, st2;
    struct String_vector kids = {0, NULL};
    snprintf(root, sizeof root, "/c_client_%ld_%ld", (long)getpid(), (long)time(NULL));

    zh = connect_or_null(hosts);
    CHECK(zh != NULL, "could not connect to %s within 10 s", hosts);
    CHECK(zoo_client_id(zh)->client_id != 0, "session id 0");
    CHECK(zoo_recv_timeout(zh) == 10000, "negotiated timeout %d", zoo_recv_timeout(zh));

    /* create */
    CHECK_RC(zoo_create(zh, root, "root", 4, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, pathbuf,
                        sizeof pathbuf), ZOK);
    CHECK(strcmp(pathbuf, root) == 0, "created path %s", pathbuf);
    CHECK_RC(zoo_create(zh, root, "again", 5, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, NULL, 0),
             ZNODEEXISTS);
    snprintf(p, sizeof p, "%s/missing/child", root);
    CHECK_RC(zoo_create(zh, p, "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, NULL, 0), ZNONODE);

    /* get with stat */
    snprintf(p, sizeof p, "%s/data", root);
    CHECK_RC(zoo_create(zh, p, "hello", 5, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, NULL, 0), ZOK);
    len = sizeof buf;
    CHECK_RC(zoo_wget(zh, p, tagged_watcher, "data-watch", buf, &len, &st), ZOK);
    CHECK(len == 5 && memcmp(buf, "hello", 5) == 0, "get returned %d bytes", len);
    CHECK(st.version == 0 && st.dataLength == 5 && st.numChildren == 0, "stat v=%d len=%d",
          st.version, st.dataLength);
    CHECK(st.czxid == st.mzxid && st.czxid > 0 && st.ephemeralOwner == 0, "zxids");

    /* set with version; the data watch fires once */
    CHECK_RC(zoo_set(zh, p, "world", 5, 0), ZOK);
    CHECK(wait_event(ZOO_CHANGED_EVENT, p, "data-watch", 5000), "no NodeDataChanged event");
    CHECK_RC(zoo_set(zh, p, "stale", 5, 0), ZBADVERSION);
    CHECK_RC(zoo_set2(zh, p, "again", 5, 1, &st2), ZOK);
    CHECK(st2.version == 2 && st2.czxid == st.czxid && st2.mzxid > st.mzxid, "set2 stat");
    CHECK(count_events("data-watch") == 1, "data watch fired %d times", count_events("data-watch"));
    len = sizeof buf;
    CHECK_RC(zoo_get(zh, p, 0, buf, &len, &st), ZOK);
    CHECK(len == 5 && memcmp(buf, "again", 5) == 0, "data after set");

    /* exists */
    CHECK_RC(zoo_exists(zh, p, 0, &st), ZOK);
    CHECK(st.version == 2, "exists version %d", st.version);
    snprintf(q, sizeof q, "%s/watched", root);
    CHECK_RC(zoo_wexists(zh, q, tagged_watcher, "exists-watch", &st), ZNONODE);
    CHECK_RC(zoo_create(zh, q, NULL, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, NULL, 0), ZOK);
    CHECK(wait_event(ZOO_CREATED_EVENT, q, "exists-watch", 5000), "no NodeCreated event");

    /* null vs empty data */
    len = sizeof buf;
    CHECK_RC(zoo_get(zh, q, 0, buf, &len, &st), ZOK);
    CHECK(len == -1, "null data came back with length %d", len);
    snprintf(q, sizeof q, "%s/empty", root);
    CHECK_RC(zoo_create(zh, q, "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, NULL, 0), ZOK);
    len = sizeof buf;
    CHECK_RC(zoo_get(zh, q, 0, buf, &len, &st), ZOK);
    CHECK(len == 0, "empty data came back with length %d", len);

    /* children, with and without stat; child watch */
    CHECK_RC(zoo_wget_children(zh, root, tagged_watcher, "child-watch", &kids), ZOK);
    CHECK(kids.count == 3 && has_child(&kids, "data") && has_child(&kids, "watched") &&
              has_child(&kids, "empty"),
          "children count %d", kids.count);
    deallocate_String_vector(&kids);
    CHECK_RC(zoo_get_children2(zh, root, 0, &kids, &st), ZOK);
    CHECK(st.numChildren == 3 && kids.count == 3, "children2 numChildren %d", st.numChildren);
    CHECK(st.cversion == 3, "root cversion %d", st.cversion);
    deallocate_String_vector(&kids);

    /* ephemeral sequential: counter = the parent's cversion (3 creates so far) */
    snprintf(p, sizeof p, "%s/eph-", root);
    CHECK_RC(zoo_create(zh, p, "e", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_EPHEMERAL_SEQUENTIAL, pathbuf,
                        sizeof pathbuf), ZOK);
    snprintf(q, sizeof q, "%s/eph-0000000003", root);
    CHECK(strcmp(pathbuf, q) == 0, "sequential name %s, wanted %s", pathbuf, q);
    CHECK(wait_event(ZOO_CHILD_EVENT, root, "child-watch", 5000), "no NodeChildrenChanged");
    CHECK_RC(zoo_exists(zh, q, 0, &st), ZOK);
    CHECK(st.ephemeralOwner == zoo_client_id(zh)->client_id, "ephemeralOwner %llx",
          (unsigned long long)st.ephemeralOwner);
    snprintf(p, sizeof p, "%s/under-ephemeral", q);
    CHECK_RC(zoo_create(zh, p, "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, NULL, 0),
             ZNOCHILDRENFOREPHEMERALS);

    /* create2 returns the Stat */
    snprintf(p, sizeof p, "%s/created2", root);
    CHECK_RC(zoo_create2(zh, p, "c2", 2, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, pathbuf,
                         sizeof pathbuf, &st), ZOK);
    CHECK(strcmp(pathbuf, p) == 0 && st.version == 0 && st.dataLength == 2 && st.czxid > 0,
          "create2 path %s", pathbuf);

    /* ACL */
    {
        struct ACL_vector acl;
        CHECK_RC(zoo_get_acl(zh, root, &acl, &st), ZOK);
        int ok = acl.count == 1 && acl.data[0].perms == ZOO_PERM_ALL &&
                 strcmp(acl.data[0].id.scheme, "world") == 0 &&
                 strcmp(acl.data[0].id.id, "anyone") == 0;
        deallocate_ACL_vector(&acl);
        CHECK(ok, "unexpected ACL on %s", root);
    }

    /* removeWatches (opcode 18, which kazoo never sends) */
    snprintf(p, sizeof p, "%s/data", root);
    CHECK_RC(zoo_wexists(zh, p, tagged_watcher, "removed-watch", &st), ZOK);
    CHECK_RC(zoo_remove_watches(zh, p, ZWATCHTYPE_DATA, tagged_watcher, "removed-watch", 0), ZOK);
    CHECK_RC(zoo_set(zh, p, "no event", 8, -1), ZOK);

    /* multi: all-or-nothing */
    {
        zoo_op_t ops[4];
        zoo_op_result_t res[4];
        char created[256], m1[256], empty[256];
        snprintf(m1, sizeof m1, "%s/m1", root);
        snprintf(empty, sizeof empty, "%s/empty", root);
        snprintf(p, sizeof p, "%s/data", root);
        /* data is at version 3 now */
        zoo_create_op_init(&ops[0], m1, "a", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, created,
                           sizeof created);
        zoo_set_op_init(&ops[1], p, "multi", 5, 3, NULL);
        zoo_check_op_init(&ops[2], p, 4);   /* sees the pending set */
        zoo_delete_op_init(&ops[3], empty, 0);
        CHECK_RC(zoo_multi(zh, 4, ops, res), ZOK);
        for (int i = 0; i < 4; i++) CHECK(res[i].err == ZOK, "op %d err %d", i, res[i].err);
        CHECK(strcmp(created, m1) == 0, "multi create path %s", created);
        CHECK_RC(zoo_exists(zh, m1, 0, &st), ZOK);
        CHECK_RC(zoo_exists(zh, p, 0, &st2), ZOK);
        CHECK(st.czxid == st2.mzxid, "multi ops did not share a zxid");
        CHECK_RC(zoo_exists(zh, empty, 0, &st), ZNONODE);

        char m2[256];
        snprintf(m2, sizeof m2, "%s/m2", root);
        zoo_create_op_init(&ops[0], m2, "b", 1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, created,
                           sizeof created);
        zoo_check_op_init(&ops[1], p, 99);
        zoo_delete_op_init(&ops[2], m1, -1);
        CHECK_RC(zoo_multi(zh, 3, ops, res), ZBADVERSION);
        CHECK(res[0].err == ZOK && res[1].err == ZBADVERSION &&
                  res[2].err == ZRUNTIMEINCONSISTENCY,
              "failed multi results %d %d %d", res[0].err, res[1].err, res[2].err);
        CHECK_RC(zoo_exists(zh, m2, 0, &st), ZNONODE);
        CHECK_RC(zoo_exists(zh, m1, 0, &st), ZOK);
        len = sizeof buf;
        CHECK_RC(zoo_get(zh, p, 0, buf, &len, &st), ZOK);
        CHECK(len == 5 && memcmp(buf, "multi", 5) == 0 && st.version == 4, "data after multi");
    }

    /* delete with versions */
    CHECK_RC(zoo_delete(zh, root, -1), ZNOTEMPTY);
    snprintf(p, sizeof p, "%s/data", root);
    CHECK_RC(zoo_delete(zh, p, 99), ZBADVERSION);
    CHECK_RC(zoo_delete(zh, p, 4), ZOK);
    CHECK_RC(zoo_delete(zh, p, -1), ZNONODE);
    CHECK(count_events("removed-watch") == 0, "a removed watch fired");

    /* close: the ephemeral goes with the session */
    snprintf(q, sizeof q, "%s/eph-0000000003", root);
    CHECK_RC(zookeeper_close(zh), ZOK);
    zh = NULL;
    zh2 = connect_or_null(hosts);
    CHECK(zh2 != NULL, "could not reconnect");
    CHECK_RC(zoo_exists(zh2, q, 0, &st), ZNONODE);

    /* clean up */
    CHECK_RC(zoo_get_children(zh2, root, 0, &kids), ZOK);
    for (int i = 0; i < kids.count; i++) {
        snprintf(p, sizeof p, "%s/%s", root, kids.data[i]);
        CHECK_RC(zoo_delete(zh2, p, -1), ZOK);
    }
    deallocate_String_vector(&kids);
    CHECK_RC(zoo_delete(zh2, root, -1), ZOK);
    CHECK_RC(zoo_exists(zh2, root, 0, &st), ZNONODE);

done:
    if (kids.data) deallocate_String_vector(&kids);
    if (zh) zookeeper_close(zh);
    if (zh2) zookeeper_close(zh2);
    if (g_failures) return 1;
    printf("OK\n");
    return 0;
}
