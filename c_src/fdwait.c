/* fdwait.c: waiting for a descriptor without missing a signal.
 *
 * Perl runs a signal handler only between ops: the C handler it installs
 * sets a flag and returns, and a system call it interrupts fails with EINTR
 * so that the caller can go back to Perl. A signal that arrives just before
 * a blocking call, though, is not noticed until that call returns, which may
 * be never (an alarm around a write to a peer that does not read). So every
 * wait that may block is done here: signals are blocked, the flag is
 * checked, and ppoll() unblocks them atomically while it waits. A signal is
 * then either seen in the flag or interrupts the wait; it cannot fall in
 * between. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include "iss_internal.h"

/* The embedding interpreter's "a signal is pending" flag (Perl's
 * PL_sig_pending, a process global), or NULL when nobody registered one. */
static const volatile int *signal_flag;

void iss_set_signal_flag(const volatile int *flag)
{
    signal_flag = flag;
}

int iss_fd_wait(int fd, int for_read, int ms)
{
    struct pollfd pfd;
    struct timespec ts, *tsp = NULL;
    sigset_t all, old;
    int r, saved;
    pfd.fd = fd;
    pfd.events = for_read ? POLLIN : POLLOUT;
    pfd.revents = 0;
    if (ms >= 0) {
        ts.tv_sec = ms / 1000;
        ts.tv_nsec = (long)(ms % 1000) * 1000000L;
        tsp = &ts;
    }
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    if (signal_flag && *signal_flag) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        errno = EINTR;
        return -1;
    }
    r = ppoll(&pfd, 1, tsp, &old);
    saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    if (r > 0)
        return 1;
    return r;
}
