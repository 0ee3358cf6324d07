// libslirp, loaded when user networking is first used rather than at every
// start of tr: it brings glib with it, and loading and relocating both
// would cost every VM boot (most of which have no network) about a
// millisecond.
#pragma once

#include <libslirp.h>

namespace tinyrange::virtio {

struct SlirpLibrary {
  decltype(&::slirp_new) slirp_new;
  decltype(&::slirp_cleanup) slirp_cleanup;
  decltype(&::slirp_input) slirp_input;
  decltype(&::slirp_pollfds_fill) slirp_pollfds_fill;
  decltype(&::slirp_pollfds_poll) slirp_pollfds_poll;
  decltype(&::slirp_add_hostfwd) slirp_add_hostfwd;

  // Loads the library once (thread-safe); throws VmmError saying which
  // package provides it if it cannot be loaded.
  static const SlirpLibrary& Get();
};

}  // namespace tinyrange::virtio
