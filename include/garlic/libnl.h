/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * garlic on a libnl-3 socket of the application's own: for programs that
 * already run a libnl loop (nl_recvmsgs()) and want process events in it.
 * Build with `pkg-config --cflags --libs garlic-libnl`, which adds
 * libnl-3.0. Plain users of <garlic/garlic.h> need none of this.
 */
#ifndef GARLIC_LIBNL_H
#define GARLIC_LIBNL_H

#include <garlic/garlic.h>

#ifdef __cplusplus
extern "C" {
#endif

struct nl_sock;
struct nl_cb;

/*
 * Subscribes the caller's libnl socket sk to the proc connector, with the
 * same options as garlic_open_opts() (opts may be NULL: every kind, the
 * defaults). It connects sk to NETLINK_CONNECTOR if it is not connected
 * yet, disables libnl's sequence check (the kernel numbers these messages
 * its own way), raises the receive buffer to opts->rcvbuf (a larger one
 * the application chose is kept), joins the CN_IDX_PROC group, attaches
 * the filter and sends LISTEN. GARLIC_OPEN_NONBLOCK is refused (-EINVAL):
 * the socket's blocking mode is the application's.
 *
 * The caller keeps owning sk; garlic_close() unsubscribes, detaches
 * garlic's filter and frees the handle but leaves sk open.
 *
 * Events reach fn either through garlic_receive() or, in the caller's own
 * nl_recvmsgs() loop, through garlic_nl_register(). Returns as
 * garlic_open_opts(), plus -EINVAL when sk is NULL or connected to
 * another protocol.
 */
int garlic_attach(struct garlic **out, struct nl_sock *sk,
		  const struct garlic_open_opts *opts, garlic_event_fn fn,
		  void *userdata);

/*
 * Installs garlic's message handler on cb so that nl_recvmsgs(sk, cb)
 * delivers parsed events to the handle's callback. Connector messages
 * have nlmsg_type NLMSG_DONE, so libnl hands them to NL_CB_FINISH (never
 * NL_CB_VALID): that is the hook garlic takes. It also turns off cb's
 * sequence check (NL_CB_SEQ_CHECK), which would refuse them. A callback
 * that stops (or fails) makes nl_recvmsgs() stop (NL_STOP). garlic_close()
 * puts the NL_CB_FINISH hook back to libnl's default. Returns 0, or
 * -EINVAL for NULL arguments.
 */
int garlic_nl_register(struct garlic *g, struct nl_cb *cb);

#ifdef __cplusplus
}
#endif

#endif /* GARLIC_LIBNL_H */
