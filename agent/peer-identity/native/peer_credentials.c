// peerCredentials(fd) -> { uid, gid, pid }: who is on the other end of a connected Unix domain socket, as the
// kernel recorded it at connect() time (Linux SO_PEERCRED; macOS LOCAL_PEERCRED + LOCAL_PEERPID). Node has no
// API for this; the status socket needs it so a caller cannot claim to be someone else.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#if defined(__APPLE__)
#include <sys/ucred.h>
#endif
#include <node_api.h>

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, err == EBADF ? "EBADF" : "EPEERCRED", msg);
  return NULL;
}

static napi_value set_number(napi_env env, napi_value obj, const char *key, double value) {
  napi_value v;
  if (napi_create_double(env, value, &v) != napi_ok) return NULL;
  if (napi_set_named_property(env, obj, key, v) != napi_ok) return NULL;
  return obj;
}

static napi_value peer_credentials(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "peerCredentials(fd): fd must be a non-negative integer");
    return NULL;
  }
  double uid, gid, pid;
#if defined(__linux__)
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return throw_errno(env, "getsockopt(SO_PEERCRED)", errno);
  uid = cred.uid;
  gid = cred.gid;
  pid = cred.pid;
#elif defined(__APPLE__)
  struct xucred xcred;
  socklen_t len = sizeof xcred;
  if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERCRED, &xcred, &len) != 0) return throw_errno(env, "getsockopt(LOCAL_PEERCRED)", errno);
  if (xcred.cr_version != XUCRED_VERSION) return throw_errno(env, "LOCAL_PEERCRED: unknown xucred version", EPROTO);
  pid_t ppid = 0;
  len = sizeof ppid;
  if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERPID, &ppid, &len) != 0) ppid = 0;
  uid = xcred.cr_uid;
  gid = xcred.cr_ngroups > 0 ? xcred.cr_groups[0] : 0;
  pid = ppid;
#else
  return throw_errno(env, "peer credentials are not implemented on this platform", ENOSYS);
#endif
  napi_value out;
  if (napi_create_object(env, &out) != napi_ok) return NULL;
  if (!set_number(env, out, "uid", uid) || !set_number(env, out, "gid", gid) || !set_number(env, out, "pid", pid)) return NULL;
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "peerCredentials", NAPI_AUTO_LENGTH, peer_credentials, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "peerCredentials", fn) != napi_ok) return NULL;
  return exports;
}
