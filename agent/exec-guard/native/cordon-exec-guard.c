// cordon-exec-guard: the kernel asks this program before every exec on the marked filesystems
// (fanotify FAN_OPEN_EXEC_PERM). It answers from its verdict cache, or asks the Cordon agent (its parent) over
// stdin/stdout with a strict deadline (longer, once, for a large new binary: judging it reads megabytes). A missed deadline, a full queue or a stalled agent: allow (fail-open) or
// deny (--fail-closed) and report. When the agent goes away (stdin EOF, or PR_SET_PDEATHSIG) it exits, and the
// kernel releases every pending exec when the fanotify fd closes. It never blocks pid 1, the agent or the agent's
// children, itself, or a trusted package manager (--trusted-exe).
//
// Protocol (one line per message, fields separated by TAB; paths are %XX-escaped for bytes < 0x21, '%' and 0x7f):
//   guard → agent  R <marks> <deadline-ms> <large-deadline-ms>        ready
//                  M ok|err <fstype> <mountpoint> [<error>]           a mark placed or refused
//                  Q <id> <pid> <uid> <dev> <ino> <size> <mtime-ns> <ctime-ns> <fd> <path>   please judge
//                  X <pid> allow|deny <dev> <ino>                      an exec answered from the cache (report)
//                  T <id> <pid> allow|deny <why> <path>                answered without the agent (deadline, queue)
//                  P <id> <pid> <uid> <dev> <ino> <size> <mtime-ns> <ctime-ns> <fd> <path>   an interpreter opens a
//                                                                      protected file (FAN_OPEN_PERM): judge it (A)
//                  O <pid> <uid> <dev> <ino> <size> <mtime-ns> <ctime-ns> <fd> <path>   an interpreter opened a file
//                                                                      not judged yet (FAN_OPEN); fd held until K
//                  S <events> <asked> <cached> <fallbacks> <denied> <pending> <opens> <reported>
//   agent → guard  A <id> allow|deny cache|once [report|quiet] [interp] [anyuser]  the verdict for a Q or P;
//                                                                      quiet: later execs of the file need no X (its
//                                                                      verdict is final); interp: the file is an
//                                                                      interpreter (node, python under any name): its
//                                                                      processes' opens are reported (O) and judged;
//                                                                      anyuser: a quiet allow that holds for every
//                                                                      user (the file is no tool)
//                  K <fd>                                              done reading an O's fd: close it
//                  V <dev> <ino> <size> <mtime-ns> <ctime-ns>          an O'd file is no tool: do not report it again
//                  G <path>                                            protect a file: interpreters opening it ask (P)
//                  U                                                   unprotect every file (policy change)
//                  C closed|open                                       fail-closed or fail-open from now on
//                  F                                                   forget every cached verdict (policy change)
//                  S                                                   send the counters
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define CACHE_SLOTS 16384 /* power of two; cleared when 3/4 full */
#define MAX_PENDING 128
#define MAX_TRUSTED 64
#define MAX_MOUNT_ARGS 16
#define MAX_MARKED_DEVS 1024
#define MAX_ANCESTRY_HOPS 64
#define LINE_MAX_OUT 4000 /* below PIPE_BUF: one write() is all or nothing */
#define MAX_INTERPRETERS 256
#define MAX_HELD_FDS 64 /* O fds the agent is reading; beyond this, an open is reported without its fd */
#define SEEN_SLOTS 16384 /* opened files judged not to be tools; power of two, cleared when 3/4 full */
/* The uid of a verdict that holds for every user: such an exec is answered from the file's fstat alone, before
   any /proc read (about 90 µs of the helper's CPU per exec on the build VM, mostly /proc/<pid>/stat). */
#define ANY_UID 0xffffffffu

struct entry {
  uint64_t dev, ino, size, mtime, ctime;
  uint32_t uid;
  uint8_t used, deny, report, interp;
  uint8_t open; /* 1: a verdict on opening a protected file (P), not on exec'ing it */
};

struct pending {
  int fd;
  uint64_t id, deadline;
  pid_t pid;
  struct entry key;
};

static struct entry cache[CACHE_SLOTS];
static unsigned cache_used;
static struct pending pending[MAX_PENDING];
static int npending;
static uint64_t next_id = 1;
static int fan_fd = -1;
static int deadline_ms = 40;
/* Judging a large binary means reading megabytes of it (content markers): it gets a longer deadline, once. */
static int large_deadline_ms = 2000;
static uint64_t large_file_bytes = 8ull * 1024 * 1024;
/* Questions answered by the deadline, kept so that the agent's late answer still fills the cache. Large enough
   that a burst of missed deadlines (a loaded machine, a judge busy with open reports) does not evict the one whose
   late deny would have prevented the next launch of the same file. */
#define LATE_RING 1024
static struct { uint64_t id; struct entry key; } late[LATE_RING];
static unsigned late_next;
static int fail_closed;
static pid_t scope_pid, agent_pid, self_pid;
static const char *trusted[MAX_TRUSTED];
static int ntrusted;
static const char *mount_args[MAX_MOUNT_ARGS];
static int nmount_args;
static dev_t marked_devs[MAX_MARKED_DEVS];
static int nmarked;
/* Set when a deadline was missed: until the agent speaks again, do not make every exec wait for it. */
static int agent_stalled;
static struct { uint64_t events, asked, cached, fallbacks, denied, opens, reported; } stats;
/* Executables the agent identified as interpreters (by content, so a renamed copy counts): dev, ino. */
static struct { uint64_t dev, ino; } interpreters[MAX_INTERPRETERS];
static int ninterpreters;
static int held_fds[MAX_HELD_FDS];
static int nheld;
static struct entry seen[SEEN_SLOTS];
static unsigned seen_used;
/* --watch-opens: report files opened by interpreter processes (FAN_OPEN on every marked filesystem). */
static int watch_opens;

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Writes one line to the agent; never blocks (a stalled agent must not stall execs). */
static int emit(const char *line, size_t len) {
  ssize_t n = write(STDOUT_FILENO, line, len);
  return n == (ssize_t)len ? 0 : -1;
}

static void escape(const char *in, char *out, size_t cap) {
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < cap; p++) {
    if (*p <= 0x20 || *p == '%' || *p == 0x7f) {
      out[o++] = '%';
      out[o++] = hex[*p >> 4];
      out[o++] = hex[*p & 15];
    } else out[o++] = (char)*p;
  }
  out[o] = 0;
}

static uint64_t ns_of(struct timespec t) { return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec; }

static unsigned slot_of(const struct entry *k) {
  uint64_t h = k->dev * 0x9E3779B97F4A7C15ull ^ k->ino * 0xC2B2AE3D27D4EB4Full ^ k->mtime ^ (k->ctime << 1) ^ k->size ^ ((uint64_t)k->uid << 32);
  h ^= h >> 29;
  return (unsigned)(h & (CACHE_SLOTS - 1));
}

static int same_key(const struct entry *a, const struct entry *b) {
  return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime == b->mtime && a->ctime == b->ctime && a->uid == b->uid && a->open == b->open;
}

static struct entry *cache_find(const struct entry *k) {
  for (unsigned i = slot_of(k), probes = 0; probes < CACHE_SLOTS; i = (i + 1) & (CACHE_SLOTS - 1), probes++) {
    if (!cache[i].used) return NULL;
    if (same_key(&cache[i], k)) return &cache[i];
  }
  return NULL;
}

/* The seen set: file identities (uid 0, open 0) whose opens need no report. */
static int seen_has(const struct entry *k) {
  for (unsigned i = slot_of(k), probes = 0; probes < SEEN_SLOTS; i = (i + 1) & (SEEN_SLOTS - 1), probes++) {
    if (!seen[i].used) return 0;
    if (same_key(&seen[i], k)) return 1;
  }
  return 0;
}

static void seen_put(const struct entry *k) {
  if (seen_has(k)) return;
  if (seen_used >= SEEN_SLOTS / 4 * 3) {
    memset(seen, 0, sizeof seen);
    seen_used = 0;
  }
  unsigned i = slot_of(k) & (SEEN_SLOTS - 1);
  while (seen[i].used) i = (i + 1) & (SEEN_SLOTS - 1);
  seen[i] = *k;
  seen[i].used = 1;
  seen_used++;
}

static void remember_interpreter(uint64_t dev, uint64_t ino) {
  for (int i = 0; i < ninterpreters; i++)
    if (interpreters[i].dev == dev && interpreters[i].ino == ino) return;
  if (ninterpreters < MAX_INTERPRETERS) {
    interpreters[ninterpreters].dev = dev;
    interpreters[ninterpreters++].ino = ino;
  }
}

/* Is the process running an interpreter the agent identified? Its executable as the kernel holds it. */
static int interpreter_process(pid_t pid) {
  if (!ninterpreters) return 0;
  char path[64];
  struct stat st;
  snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
  if (stat(path, &st) < 0) return 0;
  for (int i = 0; i < ninterpreters; i++)
    if (interpreters[i].dev == st.st_dev && interpreters[i].ino == st.st_ino) return 1;
  return 0;
}

static void cache_put(const struct entry *k, int deny, int report, int interp) {
  if (cache_used >= CACHE_SLOTS / 4 * 3) {
    memset(cache, 0, sizeof cache);
    cache_used = 0;
  }
  struct entry *e = cache_find(k);
  if (!e) {
    unsigned i = slot_of(k);
    while (cache[i].used) i = (i + 1) & (CACHE_SLOTS - 1);
    e = &cache[i];
    *e = *k;
    e->used = 1;
    cache_used++;
  }
  e->deny = (uint8_t)deny;
  e->report = (uint8_t)report;
  e->interp = (uint8_t)interp;
  if (interp) remember_interpreter(k->dev, k->ino);
}

static void respond(int fd, int deny) {
  struct fanotify_response r = {.fd = fd, .response = deny ? FAN_DENY : FAN_ALLOW};
  if (deny) stats.denied++;
  /* A failed answer cannot be retried usefully; the kernel allows the exec when the fd closes with the group. */
  if (write(fan_fd, &r, sizeof r) < 0) {}
  close(fd);
}

/* The parent pid from /proc/<pid>/stat (the command name may hold spaces and parentheses). */
static pid_t parent_of(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  char *close_paren = strrchr(buf, ')');
  if (!close_paren || close_paren[1] == 0) return -1;
  int ppid;
  char state;
  if (sscanf(close_paren + 2, "%c %d", &state, &ppid) != 2) return -1;
  return ppid;
}

static int descends_from(pid_t pid, pid_t ancestor) {
  for (int hops = 0; pid > 1 && hops < MAX_ANCESTRY_HOPS; hops++) {
    if (pid == ancestor) return 1;
    pid = parent_of(pid);
  }
  return 0;
}

static int trusted_caller(pid_t pid) {
  if (!ntrusted) return 0;
  char path[64], exe[PATH_MAX];
  snprintf(path, sizeof path, "/proc/%d/exe", (int)pid);
  ssize_t n = readlink(path, exe, sizeof exe - 1);
  if (n <= 0) return 0;
  exe[n] = 0;
  for (int i = 0; i < ntrusted; i++)
    if (strcmp(exe, trusted[i]) == 0) return 1;
  return 0;
}

static void fallback(int fd, pid_t pid, uint64_t id, const char *why) {
  char line[LINE_MAX_OUT], target[PATH_MAX], path[64], escaped[LINE_MAX_OUT / 2];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, target, sizeof target - 1);
  target[n > 0 ? n : 0] = 0;
  escape(target, escaped, sizeof escaped);
  stats.fallbacks++;
  int len = snprintf(line, sizeof line, "T\t%llu\t%d\t%s\t%s\t%s\n", (unsigned long long)id, (int)pid, fail_closed ? "deny" : "allow", why, escaped);
  emit(line, (size_t)len);
  respond(fd, fail_closed);
}

/* Who is never judged: processes outside this pid namespace (pid 0: the host's or another container's, on a
   shared filesystem), pid 1, the helper, the agent and its children, processes outside --scope-pid, package
   managers. */
static int exempt(pid_t pid) {
  if (pid <= 0 || pid == 1 || pid == self_pid || pid == agent_pid) return 1;
  if (parent_of(pid) == agent_pid) return 1;
  if (scope_pid && !descends_from(pid, scope_pid)) return 1;
  return trusted_caller(pid);
}

static int key_of(int fd, pid_t pid, struct entry *key) {
  struct stat st, proc;
  char procdir[64];
  snprintf(procdir, sizeof procdir, "/proc/%d", (int)pid);
  if (fstat(fd, &st) < 0 || stat(procdir, &proc) < 0) return -1;
  *key = (struct entry){.dev = st.st_dev, .ino = st.st_ino, .size = (uint64_t)st.st_size, .mtime = ns_of(st.st_mtim), .ctime = ns_of(st.st_ctim), .uid = proc.st_uid};
  return 0;
}

static void fd_target(int fd, char *escaped, size_t cap) {
  char target[PATH_MAX], fdpath[64];
  snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(fdpath, target, sizeof target - 1);
  target[n > 0 ? n : 0] = 0;
  escape(target, escaped, cap);
}

/* A permission event: an exec (FAN_OPEN_EXEC_PERM) or, open = 1, an interpreter opening a protected file
   (FAN_OPEN_PERM on an inode the agent asked to protect). */
static void on_permission(int fd, pid_t pid, int open) {
  stats.events++;
  /* Anything but an interpreter may read a protected file (grep, a backup, an editor): only running it is denied. */
  if (open && !interpreter_process(pid)) return respond(fd, 0);
  /* Most execs on a machine are of files already judged no tool: allowed for everyone, exempt or not. */
  struct stat st;
  if (!open && fstat(fd, &st) == 0) {
    struct entry any = {.dev = st.st_dev, .ino = st.st_ino, .size = (uint64_t)st.st_size, .mtime = ns_of(st.st_mtim), .ctime = ns_of(st.st_ctim), .uid = ANY_UID};
    struct entry *hit = cache_find(&any);
    if (hit && !hit->deny && !hit->report) {
      stats.cached++;
      return respond(fd, 0);
    }
  }
  /* Never subject to --fail-closed either: this agent does not govern these processes. */
  if (exempt(pid)) return respond(fd, 0);
  struct entry key;
  if (key_of(fd, pid, &key) < 0) return respond(fd, 0);
  key.open = (uint8_t)open;
  char line[LINE_MAX_OUT];
  struct entry *hit = cache_find(&key);
  if (hit) {
    stats.cached++;
    int deny = hit->deny;
    respond(fd, deny);
    if (!hit->report) return;
    int len = snprintf(line, sizeof line, "X\t%d\t%s\t%llu\t%llu\n", (int)pid, deny ? "deny" : "allow", (unsigned long long)key.dev, (unsigned long long)key.ino);
    emit(line, (size_t)len); /* dropped when the pipe is full: the agent's slow sweep is the backstop */
    return;
  }
  uint64_t id = next_id++;
  if (agent_stalled) return fallback(fd, pid, id, "agent-stalled");
  if (npending >= MAX_PENDING) return fallback(fd, pid, id, "queue-full");
  char escaped[LINE_MAX_OUT / 2];
  fd_target(fd, escaped, sizeof escaped);
  int len = snprintf(line, sizeof line, "%c\t%llu\t%d\t%u\t%llu\t%llu\t%llu\t%llu\t%llu\t%d\t%s\n", open ? 'P' : 'Q', (unsigned long long)id, (int)pid, key.uid,
                     (unsigned long long)key.dev, (unsigned long long)key.ino, (unsigned long long)key.size, (unsigned long long)key.mtime, (unsigned long long)key.ctime, fd, escaped);
  if (emit(line, (size_t)len) < 0) return fallback(fd, pid, id, "agent-unreachable");
  stats.asked++;
  uint64_t wait = (uint64_t)(key.size > large_file_bytes ? large_deadline_ms : deadline_ms);
  pending[npending++] = (struct pending){.fd = fd, .id = id, .deadline = now_ms() + wait, .pid = pid, .key = key};
}

/* A notification (FAN_OPEN): an interpreter process opened a file. Reported once per file identity until the
   agent says it is no tool (V); the fd stays open for the agent to read the exact file, until it says K. */
static void on_open(int fd, pid_t pid) {
  stats.opens++;
  struct entry key;
  struct stat st;
  unsigned char magic[4] = {0};
  /* Cheapest checks first: every open on the machine passes here. A file already cleared (V) costs one fstat. */
  if (pid <= 0 || pid == self_pid || pid == agent_pid || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return;
  }
  struct entry identity = {.dev = st.st_dev, .ino = st.st_ino, .size = (uint64_t)st.st_size, .mtime = ns_of(st.st_mtim), .ctime = ns_of(st.st_ctim)};
  /* An ELF file is never a script an interpreter runs (its own binary, shared libraries, addons): not reported. */
  if (seen_has(&identity) || (pread(fd, magic, 4, 0) == 4 && memcmp(magic, "\x7f" "ELF", 4) == 0) || !interpreter_process(pid) || exempt(pid) || key_of(fd, pid, &key) < 0) {
    close(fd);
    return;
  }
  char line[LINE_MAX_OUT], escaped[LINE_MAX_OUT / 2];
  fd_target(fd, escaped, sizeof escaped);
  int keep = nheld < MAX_HELD_FDS;
  int len = snprintf(line, sizeof line, "O\t%d\t%u\t%llu\t%llu\t%llu\t%llu\t%llu\t%d\t%s\n", (int)pid, key.uid, (unsigned long long)key.dev, (unsigned long long)key.ino,
                     (unsigned long long)key.size, (unsigned long long)key.mtime, (unsigned long long)key.ctime, keep ? fd : -1, escaped);
  if (emit(line, (size_t)len) < 0) keep = 0;
  else stats.reported++;
  if (keep) held_fds[nheld++] = fd;
  else close(fd);
}

static void release_fd(int fd) {
  for (int i = 0; i < nheld; i++) {
    if (held_fds[i] != fd) continue;
    close(fd);
    held_fds[i] = held_fds[--nheld];
    return;
  }
}

/* The key a verdict is kept under: per uid, or for every user when it is a quiet exec allow (the only kind the
   fstat-only lookup in on_permission serves). */
static struct entry verdict_key(struct entry key, int deny, int report, int anyuser) {
  if (anyuser && !deny && !report && !key.open) key.uid = ANY_UID;
  return key;
}

static void answer(uint64_t id, int deny, int cacheable, int report, int interp, int anyuser) {
  for (int i = 0; i < npending; i++) {
    if (pending[i].id != id) continue;
    if (cacheable) {
      struct entry key = verdict_key(pending[i].key, deny, report, anyuser);
      cache_put(&key, deny, report, interp);
    }
    else if (interp) remember_interpreter(pending[i].key.dev, pending[i].key.ino);
    respond(pending[i].fd, deny);
    pending[i] = pending[--npending];
    return;
  }
  /* Too late for this exec (the deadline answered it), not for the next exec of the same file. */
  for (int i = 0; i < LATE_RING; i++) {
    if (late[i].id != id || !cacheable) continue;
    struct entry key = verdict_key(late[i].key, deny, report, anyuser);
    cache_put(&key, deny, report, interp);
  }
}

static void expire(uint64_t now) {
  for (int i = 0; i < npending;) {
    if (pending[i].deadline > now) {
      i++;
      continue;
    }
    agent_stalled = 1;
    struct pending p = pending[i];
    pending[i] = pending[--npending];
    late[late_next % LATE_RING].id = p.id;
    late[late_next++ % LATE_RING].key = p.key;
    fallback(p.fd, p.pid, p.id, "deadline");
  }
}

static int virtual_fs(const char *type) {
  static const char *skip[] = {"proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "debugfs", "tracefs", "securityfs", "pstore", "bpf", "configfs", "fusectl",
                               "hugetlbfs", "autofs", "binfmt_misc", "rpc_pipefs", "nsfs", "efivarfs", "selinuxfs", "devtmpfs", "nfs", "nfs4", "cifs", "smb3",
                               "smbfs", "afs", "ceph", "glusterfs", "9p", "fuse", "virtiofs", NULL};
  for (int i = 0; skip[i]; i++)
    if (strcmp(type, skip[i]) == 0) return 1;
  return strncmp(type, "fuse.", 5) == 0; /* a FUSE daemon that execs could deadlock on itself */
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s) {
  char *o = s;
  for (char *p = s; *p; p++) {
    if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
      *o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
      p += 3;
    } else *o++ = *p;
  }
  *o = 0;
}

static void report_mark(int ok, const char *type, const char *where, int err) {
  char line[LINE_MAX_OUT], escaped[LINE_MAX_OUT / 2];
  escape(where, escaped, sizeof escaped);
  int len = ok ? snprintf(line, sizeof line, "M\tok\t%s\t%s\n", type, escaped) : snprintf(line, sizeof line, "M\terr\t%s\t%s\t%s\n", type, escaped, strerror(err));
  emit(line, (size_t)len);
}

/* Marks every local, non-virtual filesystem once (by device); called again whenever the mount table changes. */
static int mark_filesystems(void) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) return 0;
  char *line = NULL;
  size_t cap = 0;
  int added = 0;
  while (getline(&line, &cap, f) > 0) {
    unsigned maj, min;
    char mountpoint[PATH_MAX];
    if (sscanf(line, "%*s %*s %u:%u %*s %4095s", &maj, &min, mountpoint) != 3) continue;
    char *sep = strstr(line, " - ");
    if (!sep) continue;
    char type[64];
    if (sscanf(sep + 3, "%63s", type) != 1 || virtual_fs(type)) continue;
    dev_t dev = makedev(maj, min);
    int known = 0;
    for (int i = 0; i < nmarked; i++) known |= marked_devs[i] == dev;
    if (known || nmarked >= MAX_MARKED_DEVS) continue;
    unescape_octal(mountpoint);
    if (fanotify_mark(fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN_EXEC_PERM | (watch_opens ? FAN_OPEN : 0), AT_FDCWD, mountpoint) == 0) {
      marked_devs[nmarked++] = dev;
      added++;
      report_mark(1, type, mountpoint, 0);
    } else {
      /* Hidden under another mount, or a filesystem that refuses marks: reported, tried again next change. */
      report_mark(0, type, mountpoint, errno);
    }
  }
  free(line);
  fclose(f);
  return added;
}

static void handle_agent_line(char *line) {
  agent_stalled = 0;
  if (line[0] == 'A' && line[1] == '\t') {
    char verdict[8], cache_word[8], report_word[8] = "report", flag1[8] = "", flag2[8] = "";
    unsigned long long id;
    if (sscanf(line + 2, "%llu\t%7s\t%7s\t%7s\t%7s\t%7s", &id, verdict, cache_word, report_word, flag1, flag2) >= 3) {
      int interp = strcmp(flag1, "interp") == 0 || strcmp(flag2, "interp") == 0;
      int anyuser = strcmp(flag1, "anyuser") == 0 || strcmp(flag2, "anyuser") == 0;
      answer(id, strcmp(verdict, "deny") == 0, strcmp(cache_word, "cache") == 0, strcmp(report_word, "quiet") != 0, interp, anyuser);
    }
  } else if (line[0] == 'K' && line[1] == '\t') {
    release_fd(atoi(line + 2));
  } else if (line[0] == 'V' && line[1] == '\t') {
    unsigned long long dev, ino, size, mtime, ctime;
    if (sscanf(line + 2, "%llu\t%llu\t%llu\t%llu\t%llu", &dev, &ino, &size, &mtime, &ctime) == 5)
      seen_put(&(struct entry){.dev = dev, .ino = ino, .size = size, .mtime = mtime, .ctime = ctime});
  } else if (line[0] == 'G' && line[1] == '\t') {
    /* An inode mark: follows the file through renames and hard links, gone when the file is deleted. */
    int r = fanotify_mark(fan_fd, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD, line + 2);
    report_mark(r == 0, "inode", line + 2, errno);
  } else if (line[0] == 'C' && line[1] == '\t') {
    fail_closed = strcmp(line + 2, "closed") == 0; /* the policy's choice, changed without a restart */
  } else if (line[0] == 'U') {
    fanotify_mark(fan_fd, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL); /* without MOUNT or FILESYSTEM: the inode marks only */
  } else if (line[0] == 'F') {
    memset(cache, 0, sizeof cache);
    cache_used = 0;
    memset(seen, 0, sizeof seen);
    seen_used = 0;
  } else if (line[0] == 'S') {
    char out[256];
    int len = snprintf(out, sizeof out, "S\t%llu\t%llu\t%llu\t%llu\t%llu\t%d\t%llu\t%llu\n", (unsigned long long)stats.events, (unsigned long long)stats.asked,
                       (unsigned long long)stats.cached, (unsigned long long)stats.fallbacks, (unsigned long long)stats.denied, npending,
                       (unsigned long long)stats.opens, (unsigned long long)stats.reported);
    emit(out, (size_t)len);
  }
}

static int usage(void) {
  fprintf(stderr, "usage: cordon-exec-guard [--deadline-ms N] [--large-deadline-ms N] [--fail-closed] [--scope-pid PID] [--trusted-exe PATH]... [--mount PATH]... [--watch-opens]\n");
  return 2;
}

int main(int argc, char **argv) {
  self_pid = getpid();
  agent_pid = getppid();
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--fail-closed") == 0) fail_closed = 1;
    else if (strcmp(argv[i], "--watch-opens") == 0) watch_opens = 1;
    else if (i + 1 >= argc) return usage();
    else if (strcmp(argv[i], "--deadline-ms") == 0) deadline_ms = atoi(argv[++i]);
    else if (strcmp(argv[i], "--large-deadline-ms") == 0) large_deadline_ms = atoi(argv[++i]);
    else if (strcmp(argv[i], "--scope-pid") == 0) scope_pid = atoi(argv[++i]);
    else if (strcmp(argv[i], "--trusted-exe") == 0 && ntrusted < MAX_TRUSTED) trusted[ntrusted++] = argv[++i];
    else if (strcmp(argv[i], "--mount") == 0 && nmount_args < MAX_MOUNT_ARGS) mount_args[nmount_args++] = argv[++i];
    else return usage();
  }
  if (deadline_ms < 1 || deadline_ms > 10000 || large_deadline_ms < deadline_ms || large_deadline_ms > 10000) return usage();
  /* Die with the agent, even if it dies without closing our stdin (the pipe EOF is the other path). */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != agent_pid) return 0;
  signal(SIGPIPE, SIG_IGN);
  fcntl(STDOUT_FILENO, F_SETFL, fcntl(STDOUT_FILENO, F_GETFL) | O_NONBLOCK);

  fan_fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
  if (fan_fd < 0) {
    fprintf(stderr, "fanotify_init: %s\n", strerror(errno));
    return 3;
  }
  int marks = 0;
  for (int i = 0; i < nmount_args; i++) {
    if (fanotify_mark(fan_fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_EXEC_PERM | (watch_opens ? FAN_OPEN : 0), AT_FDCWD, mount_args[i]) == 0) {
      marks++;
      report_mark(1, "mount", mount_args[i], 0);
    } else report_mark(0, "mount", mount_args[i], errno);
  }
  int mountinfo = -1;
  if (!nmount_args) {
    marks = mark_filesystems();
    mountinfo = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
    /* poll() reports a change only relative to what this fd has read. */
    char drain[4096];
    while (mountinfo >= 0 && read(mountinfo, drain, sizeof drain) > 0) {}
  }
  if (!marks) {
    fprintf(stderr, "no filesystem could be marked for exec permission events\n");
    return 4;
  }
  char ready[64];
  int rlen = snprintf(ready, sizeof ready, "R\t%d\t%d\t%d\n", marks, deadline_ms, large_deadline_ms);
  emit(ready, (size_t)rlen);

  char inbuf[8192];
  size_t inlen = 0;
  static char evbuf[64 * 1024] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
  for (;;) {
    struct pollfd pfd[3] = {{.fd = fan_fd, .events = npending < MAX_PENDING ? POLLIN : 0},
                            {.fd = STDIN_FILENO, .events = POLLIN},
                            {.fd = mountinfo, .events = POLLPRI}};
    int timeout = -1;
    uint64_t now = now_ms();
    for (int i = 0; i < npending; i++) {
      int left = pending[i].deadline > now ? (int)(pending[i].deadline - now) : 0;
      if (timeout < 0 || left < timeout) timeout = left;
    }
    int ready_count = poll(pfd, mountinfo >= 0 ? 3 : 2, timeout);
    if (ready_count < 0 && errno != EINTR) return 5;
    if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = read(STDIN_FILENO, inbuf + inlen, sizeof inbuf - 1 - inlen);
      if (n <= 0 && !(n < 0 && errno == EINTR)) return 0; /* the agent went away: exiting releases every pending exec */
      if (n > 0) {
        inlen += (size_t)n;
        char *start = inbuf, *nl;
        while ((nl = memchr(start, '\n', inlen - (size_t)(start - inbuf)))) {
          *nl = 0;
          handle_agent_line(start);
          start = nl + 1;
        }
        inlen -= (size_t)(start - inbuf);
        memmove(inbuf, start, inlen);
        if (inlen == sizeof inbuf - 1) inlen = 0; /* an over-long line is garbage: drop it */
      }
    }
    if (pfd[0].revents & POLLIN) {
      ssize_t n = read(fan_fd, evbuf, sizeof evbuf);
      struct fanotify_event_metadata *md = (struct fanotify_event_metadata *)evbuf;
      for (; n > 0 && FAN_EVENT_OK(md, n); md = FAN_EVENT_NEXT(md, n)) {
        if (md->vers != FANOTIFY_METADATA_VERSION) return 6;
        if (md->fd < 0) continue; /* queue overflow: nothing to answer */
        if (md->mask & FAN_OPEN_EXEC_PERM) on_permission(md->fd, md->pid, 0);
        else if (md->mask & FAN_OPEN_PERM) on_permission(md->fd, md->pid, 1);
        else if (md->mask & FAN_OPEN) on_open(md->fd, md->pid);
        else close(md->fd);
      }
    }
    if (mountinfo >= 0 && (pfd[2].revents & (POLLPRI | POLLERR))) {
      mark_filesystems();
      lseek(mountinfo, 0, SEEK_SET);
      char drain[4096];
      while (read(mountinfo, drain, sizeof drain) > 0) {}
    }
    expire(now_ms());
  }
}
