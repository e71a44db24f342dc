/*
 * The kernel end of every TCP figure in bench/run.sh: one program, 64 KiB writes and reads, no pipe,
 * so the client is the same whatever the stack under test.
 *
 *   tcpbench send HOST PORT BYTES   connect, write BYTES, shut down writing, wait for the peer's close
 *   tcpbench recv HOST PORT         connect, read until the peer closes
 *   tcpbench sink PORT              accept one connection, read until it closes, close
 *   tcpbench source PORT BYTES      accept one connection, write BYTES, close
 *
 * Each prints "BYTES bytes in SECONDS s: GBPS Gbps (MODE)" on stdout, the clock running from connect
 * (or accept) to the end. A sender stops its clock once the peer has closed, so every byte counted
 * has been received; a reset from the peer after all bytes were written also ends the transfer
 * (usrnet bench writer exits once it has every byte).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { CHUNK = 64 * 1024 };

static char buffer[CHUNK];

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "tcpbench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static long long parse_bytes(const char *text)
{
    char *end;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < 1) {
        fprintf(stderr, "tcpbench: '%s' is not a positive byte count\n", text);
        exit(2);
    }
    return value;
}

static struct sockaddr_in parse_endpoint(const char *host, const char *port)
{
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(port)) };
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
        fprintf(stderr, "tcpbench: '%s' is not an IPv4 address\n", host);
        exit(2);
    }
    return address;
}

static int connect_to(const char *host, const char *port)
{
    struct sockaddr_in address = parse_endpoint(host, port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        die("socket");
    }
    if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) {
        die("connect");
    }
    return fd;
}

static int accept_one(const char *port)
{
    struct sockaddr_in address = parse_endpoint("0.0.0.0", port);
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int yes = 1;
    if (listener < 0) {
        die("socket");
    }
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0 || listen(listener, 1) < 0) {
        die("bind/listen");
    }
    /* A line for scripts that wait until the port is open. */
    printf("listening on %s\n", port);
    fflush(stdout);
    int fd = accept(listener, NULL, NULL);
    if (fd < 0) {
        die("accept");
    }
    close(listener);
    return fd;
}

/* Writes BYTES in 64 KiB writes; returns the bytes written. */
static long long write_all(int fd, long long bytes)
{
    long long done = 0;
    while (done < bytes) {
        size_t n = bytes - done < CHUNK ? (size_t)(bytes - done) : CHUNK;
        ssize_t w = write(fd, buffer, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("write");
        }
        done += w;
    }
    return done;
}

/* Reads in 64 KiB reads until end of stream (or a reset); returns the bytes read. */
static long long read_all(int fd, int reset_ends)
{
    long long done = 0;
    for (;;) {
        ssize_t r = read(fd, buffer, CHUNK);
        if (r == 0) {
            return done;
        }
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (reset_ends && errno == ECONNRESET) {
                return done;
            }
            die("read");
        }
        done += r;
    }
}

static void report(long long bytes, double seconds, const char *mode)
{
    printf("%lld bytes in %.3f s: %.3f Gbps (%s)\n", bytes, seconds, (double)bytes * 8 / seconds / 1e9, mode);
}

static int usage(void)
{
    fprintf(stderr, "usage: tcpbench send HOST PORT BYTES | recv HOST PORT | sink PORT | source PORT BYTES\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        return usage();
    }
    const char *mode = argv[1];
    if (strcmp(mode, "send") == 0 && argc == 5) {
        long long bytes = parse_bytes(argv[4]);
        int fd = connect_to(argv[2], argv[3]);
        double start = now_seconds();
        long long sent = write_all(fd, bytes);
        shutdown(fd, SHUT_WR);
        read_all(fd, 1); /* the peer's close: every byte is in */
        report(sent, now_seconds() - start, "send");
    } else if (strcmp(mode, "recv") == 0 && argc == 4) {
        int fd = connect_to(argv[2], argv[3]);
        double start = now_seconds();
        long long received = read_all(fd, 0);
        report(received, now_seconds() - start, "recv");
    } else if (strcmp(mode, "sink") == 0 && argc == 3) {
        int fd = accept_one(argv[2]);
        double start = now_seconds();
        long long received = read_all(fd, 0);
        close(fd);
        report(received, now_seconds() - start, "sink");
    } else if (strcmp(mode, "source") == 0 && argc == 4) {
        long long bytes = parse_bytes(argv[3]);
        int fd = accept_one(argv[2]);
        double start = now_seconds();
        long long sent = write_all(fd, bytes);
        close(fd);
        report(sent, now_seconds() - start, "source");
    } else {
        return usage();
    }
    return 0;
}
