/*
 * The kernel end of bench/scale.sh: many TCP connections from one process, epoll, non-blocking sockets.
 *
 *   connscale hold HOST PORT N [echo|http]   reads commands on stdin, one line each, answers one line each:
 *       open     opens N connections, at most IN_FLIGHT connects at once
 *       check    on every open connection, one exchange: 8 bytes echoed (echo) or one HTTP/1.1 GET of /
 *                on the keep-alive connection, answered 200 with its whole body (http)
 *       close    closes every connection (FIN), and forgets it
 *       quit     closes and exits
 *   connscale rate HOST PORT SECONDS IN_FLIGHT   keeps IN_FLIGHT connects in flight for SECONDS: each
 *       connection sends one byte, reads its echo, then resets (SO_LINGER 0), so its port comes back at
 *       once and the figure is accepting, not the close handshake; prints connections/s
 *   connscale bulk HOST PORT BYTES [SECONDS]      one connection: writes BYTES and reads their echo at
 *       the same time; prints "BYTES bytes echoed in S s: G Gbps (bulk)"; with SECONDS it stops there and
 *       reports what came back by then ("(bulk, stopped at the time limit)"), so a slow stack costs no more
 *
 * Every step is bounded by DEADLINE seconds (the environment's CONNSCALE_DEADLINE, default 60): what has
 * not finished by then counts as failed, so a stack that stops answering ends the step, never hangs it.
 * Answers: "opened OK FAILED SECONDS", "checked OK FAILED SECONDS SILENT" (SILENT: of the failed, those
 * still waiting at the deadline without a byte of their answer), "closed N SECONDS", and for rate
 * "rate: C connections/s (C completed, F failed: R refused, S reset; H handshakes in S s)".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
    IN_FLIGHT = 128,          /* connects at once in hold's open: the stack's default listen backlog */
    PROBE = 8,                /* bytes echoed per connection by check */
    ANSWER = 2048,            /* room for one HTTP response of the site's root page */
    EVENTS = 1024,
    CHUNK = 64 * 1024,
};

/* A connection's step: what the epoll event on it means. */
enum state { CONNECTING, OPEN, EXCHANGING, DONE, FAILED };

struct conn {
    int fd;
    enum state state;
    int got;
    char answer[ANSWER];
};

static const char *http_get = "GET / HTTP/1.1\r\nHost: scale\r\n\r\n";
static double deadline_seconds = 60;

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "connscale: %s: %s\n", what, strerror(errno));
    exit(1);
}

static long long parse_count(const char *text)
{
    char *end;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < 1) {
        fprintf(stderr, "connscale: '%s' is not a positive count\n", text);
        exit(2);
    }
    return value;
}

static struct sockaddr_in parse_endpoint(const char *host, const char *port)
{
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(port)) };
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
        fprintf(stderr, "connscale: '%s' is not an IPv4 address\n", host);
        exit(2);
    }
    return address;
}

/* A non-blocking connect to ADDRESS, registered in EP for EPOLLOUT with DATA; -1 when no socket could be made. */
static int start_connect(int ep, const struct sockaddr_in *address, void *data)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    if (connect(fd, (const struct sockaddr *)address, sizeof *address) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    struct epoll_event event = { .events = EPOLLOUT, .data.ptr = data };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &event) < 0) {
        die("epoll_ctl");
    }
    return fd;
}

static int connect_error(int fd)
{
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0) {
        return errno;
    }
    return error;
}

static void watch(int ep, int fd, unsigned events, void *data)
{
    struct epoll_event event = { .events = events, .data.ptr = data };
    if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &event) < 0) {
        die("epoll_ctl");
    }
}

/* hold's open: N connections, IN_FLIGHT at a time; prints "opened OK FAILED SECONDS". */
static void open_all(int ep, struct conn *conns, int n, const struct sockaddr_in *address)
{
    double start = now_seconds(), end = start + deadline_seconds;
    int next = 0, in_flight = 0, ok = 0, failed = 0;
    struct epoll_event events[EVENTS];
    while ((next < n || in_flight > 0) && now_seconds() < end) {
        while (next < n && in_flight < IN_FLIGHT) {
            struct conn *c = &conns[next++];
            c->fd = start_connect(ep, address, c);
            c->state = c->fd < 0 ? FAILED : CONNECTING;
            if (c->fd < 0) {
                failed++;
            } else {
                in_flight++;
            }
        }
        int ready = epoll_wait(ep, events, EVENTS, 100);
        for (int i = 0; i < ready; i++) {
            struct conn *c = events[i].data.ptr;
            if (c->state != CONNECTING) {
                continue;
            }
            in_flight--;
            if (connect_error(c->fd) == 0) {
                c->state = OPEN;
                ok++;
                watch(ep, c->fd, 0, c);
            } else {
                c->state = FAILED;
                failed++;
                watch(ep, c->fd, 0, c);
            }
        }
    }
    failed += n - ok - failed; /* still connecting, or never started, at the deadline */
    for (int i = 0; i < n; i++) {
        if (conns[i].state == CONNECTING) {
            conns[i].state = FAILED;
            watch(ep, conns[i].fd, 0, &conns[i]);
        }
    }
    printf("opened %d %d %.3f\n", ok, failed, now_seconds() - start);
}

/* True once C's answer is complete: the probe echoed, or an HTTP response with all of its body. */
static int answered(const struct conn *c, int http)
{
    if (!http) {
        return c->got >= PROBE;
    }
    const char *end = memmem(c->answer, (size_t)c->got, "\r\n\r\n", 4);
    if (end == NULL) {
        return 0;
    }
    const char *length = memmem(c->answer, (size_t)(end - c->answer), "Content-Length:", 15);
    long body = length == NULL ? 0 : strtol(length + 15, NULL, 10);
    return c->got >= (end + 4 - c->answer) + body;
}

/* The echo probe of connection INDEX: its number in PROBE digits, so an answer on the wrong connection shows. */
static void make_probe(char probe[16], int index)
{
    snprintf(probe, 16, "%08d", index % 100000000);
}

static int valid(const struct conn *c, int http, int index)
{
    if (http) {
        return strncmp(c->answer, "HTTP/1.1 200", 12) == 0;
    }
    char probe[16];
    make_probe(probe, index);
    return memcmp(c->answer, probe, PROBE) == 0;
}

/* Reads what C has; 1 when its answer is complete and right, -1 when it failed, 0 for more to come. */
static int read_answer(struct conn *c, int http, int index)
{
    for (;;) {
        ssize_t r = read(c->fd, c->answer + c->got, (size_t)(ANSWER - 1 - c->got));
        if (r > 0) {
            c->got += (int)r;
            if (answered(c, http)) {
                return valid(c, http, index) ? 1 : -1;
            }
            if (c->got >= ANSWER - 1) {
                return -1;
            }
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
            return 0;
        }
        return -1; /* end of stream or reset before the answer */
    }
}

/* hold's check: one exchange on every open connection; prints "checked OK FAILED SECONDS". */
static void check_all(int ep, struct conn *conns, int n, int http)
{
    double start = now_seconds(), end = start + deadline_seconds;
    int pending = 0, ok = 0, failed = 0;
    for (int i = 0; i < n; i++) {
        struct conn *c = &conns[i];
        if (c->state != OPEN) {
            continue;
        }
        char probe[16];
        make_probe(probe, i);
        const char *request = http ? http_get : probe;
        size_t length = http ? strlen(http_get) : PROBE;
        c->got = 0;
        if (write(c->fd, request, length) != (ssize_t)length) {
            c->state = FAILED;
            failed++;
            continue;
        }
        c->state = EXCHANGING;
        watch(ep, c->fd, EPOLLIN, c);
        pending++;
    }
    struct epoll_event events[EVENTS];
    while (pending > 0 && now_seconds() < end) {
        int ready = epoll_wait(ep, events, EVENTS, 100);
        for (int i = 0; i < ready; i++) {
            struct conn *c = events[i].data.ptr;
            if (c->state != EXCHANGING) {
                continue;
            }
            int result = read_answer(c, http, (int)(c - conns));
            if (result == 0) {
                continue;
            }
            pending--;
            c->state = result > 0 ? OPEN : FAILED;
            if (result > 0) {
                ok++;
            } else {
                failed++;
            }
            watch(ep, c->fd, 0, c);
        }
    }
    int silent = 0; /* unanswered at the deadline without a byte of their answer */
    for (int i = 0; i < n; i++) {
        if (conns[i].state == EXCHANGING) {
            conns[i].state = FAILED;
            failed++;
            silent += conns[i].got == 0;
        }
    }
    printf("checked %d %d %.3f %d\n", ok, failed, now_seconds() - start, silent);
}

/* hold's close: every socket closed (a FIN where the connection is still up); returns how many. */
static int close_all(struct conn *conns, int n)
{
    int closed = 0;
    for (int i = 0; i < n; i++) {
        if (conns[i].fd >= 0) {
            close(conns[i].fd); /* also leaves the epoll set */
            conns[i].fd = -1;
            closed++;
        }
    }
    return closed;
}

static int hold(const struct sockaddr_in *address, int n, int http)
{
    struct conn *conns = calloc((size_t)n, sizeof *conns);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (conns == NULL || ep < 0) {
        die("calloc/epoll_create1");
    }
    for (int i = 0; i < n; i++) {
        conns[i].fd = -1;
    }
    char line[64];
    while (fgets(line, sizeof line, stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, "open") == 0) {
            close_all(conns, n);
            open_all(ep, conns, n, address);
        } else if (strcmp(line, "check") == 0) {
            check_all(ep, conns, n, http);
        } else if (strcmp(line, "close") == 0) {
            double start = now_seconds();
            int closed = close_all(conns, n);
            printf("closed %d %.3f\n", closed, now_seconds() - start);
        } else if (strcmp(line, "quit") == 0) {
            break;
        } else {
            printf("unknown command '%s' (open, check, close, quit)\n", line);
        }
        fflush(stdout);
    }
    close_all(conns, n);
    return 0;
}

/* rate: one connection's life, from the connect in flight to the reset after its echo. */
static void reset_close(int fd)
{
    struct linger now = { .l_onoff = 1, .l_linger = 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &now, sizeof now);
    close(fd);
}

static int rate(const struct sockaddr_in *address, double seconds, int in_flight)
{
    struct conn *slots = calloc((size_t)in_flight, sizeof *slots);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (slots == NULL || ep < 0) {
        die("calloc/epoll_create1");
    }
    long long completed = 0, failed = 0, handshakes = 0, refused = 0, reset = 0;
    double start = now_seconds(), end = start + seconds;
    for (int i = 0; i < in_flight; i++) {
        slots[i].fd = start_connect(ep, address, &slots[i]);
        slots[i].state = CONNECTING;
    }
    struct epoll_event events[EVENTS];
    while (now_seconds() < end) {
        for (int i = 0; i < in_flight; i++) {
            if (slots[i].fd < 0) { /* no socket or port free a moment ago: try again */
                slots[i].fd = start_connect(ep, address, &slots[i]);
            }
        }
        int ready = epoll_wait(ep, events, EVENTS, 100);
        for (int i = 0; i < ready; i++) {
            struct conn *c = events[i].data.ptr;
            int done = 0;
            if (c->state == CONNECTING) {
                int error = connect_error(c->fd);
                if (error != 0 || write(c->fd, "x", 1) != 1) {
                    refused += error == ECONNREFUSED;
                    reset += error == ECONNRESET || errno == ECONNRESET;
                    done = -1;
                } else {
                    handshakes++;
                    c->state = EXCHANGING;
                    watch(ep, c->fd, EPOLLIN, c);
                }
            } else if (c->state == EXCHANGING) {
                char byte;
                ssize_t r = read(c->fd, &byte, 1);
                done = r == 1 ? 1 : r < 0 && errno == EAGAIN ? 0 : -1;
                reset += r < 0 && errno == ECONNRESET;
            }
            if (done != 0) {
                if (done > 0) {
                    completed++;
                } else {
                    failed++;
                }
                reset_close(c->fd);
                c->fd = start_connect(ep, address, c);
                c->state = CONNECTING;
            }
        }
    }
    double elapsed = now_seconds() - start;
    printf("rate: %.0f connections/s (%lld completed, %lld failed: %lld refused, %lld reset; %lld handshakes in %.3f s)\n",
           (double)completed / elapsed, completed, failed, refused, reset, handshakes, elapsed);
    return 0;
}

/* bulk: writes BYTES and reads their echo on one connection at once, for at most LIMIT seconds (0: none). */
static int bulk(const struct sockaddr_in *address, long long bytes, double limit)
{
    static char buffer[CHUNK];
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        die("epoll_create1");
    }
    struct conn c = { 0 };
    double start = now_seconds(), end = start + deadline_seconds;
    c.fd = start_connect(ep, address, &c);
    if (c.fd < 0) {
        die("connect");
    }
    long long sent = 0, received = 0;
    int connected = 0, broken = 0;
    if (limit > 0 && start + limit < end) {
        end = start + limit;
    }
    struct epoll_event events[1];
    while (received < bytes && now_seconds() < end) {
        if (epoll_wait(ep, events, 1, 100) < 1) {
            continue;
        }
        if (!connected) {
            if (connect_error(c.fd) != 0) {
                die("connect");
            }
            connected = 1;
            watch(ep, c.fd, EPOLLIN | EPOLLOUT, &c);
        }
        while (sent < bytes) {
            size_t n = bytes - sent < CHUNK ? (size_t)(bytes - sent) : CHUNK;
            ssize_t w = write(c.fd, buffer, n);
            if (w <= 0) {
                break;
            }
            sent += w;
            if (sent == bytes) {
                shutdown(c.fd, SHUT_WR);
                watch(ep, c.fd, EPOLLIN, &c);
            }
        }
        for (;;) {
            ssize_t r = read(c.fd, buffer, CHUNK);
            if (r <= 0) {
                if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                    broken = 1; /* closed or reset before every byte came back */
                    end = 0;
                }
                break;
            }
            received += r;
        }
    }
    double elapsed = now_seconds() - start;
    close(c.fd);
    int stopped = received < bytes && !broken && limit > 0 && elapsed >= limit;
    if (received < bytes && !stopped) {
        fprintf(stderr, "connscale: bulk: %lld of %lld bytes echoed in %.3f s\n", received, bytes, elapsed);
        return 1;
    }
    printf("%lld bytes echoed in %.3f s: %.3f Gbps (bulk%s)\n", received, elapsed, (double)received * 8 / elapsed / 1e9,
           stopped ? ", stopped at the time limit" : "");
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: connscale hold HOST PORT N [echo|http] | rate HOST PORT SECONDS IN_FLIGHT | bulk HOST PORT BYTES [SECONDS]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        return usage();
    }
    const char *deadline = getenv("CONNSCALE_DEADLINE");
    if (deadline != NULL) {
        deadline_seconds = (double)parse_count(deadline);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sockaddr_in address = parse_endpoint(argv[2], argv[3]);
    const char *mode = argv[1];
    if (strcmp(mode, "hold") == 0 && (argc == 5 || argc == 6)) {
        int http = argc == 6 && strcmp(argv[5], "http") == 0;
        if (argc == 6 && !http && strcmp(argv[5], "echo") != 0) {
            return usage();
        }
        return hold(&address, (int)parse_count(argv[4]), http);
    }
    if (strcmp(mode, "rate") == 0 && argc == 6) {
        return rate(&address, (double)parse_count(argv[4]), (int)parse_count(argv[5]));
    }
    if (strcmp(mode, "bulk") == 0 && (argc == 5 || argc == 6)) {
        return bulk(&address, parse_count(argv[4]), argc == 6 ? (double)parse_count(argv[5]) : 0);
    }
    return usage();
}
