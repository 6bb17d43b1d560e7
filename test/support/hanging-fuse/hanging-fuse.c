// A FUSE filesystem whose daemon never answers one process's reads: what a user with a FUSE mount (allow_other)
// can do to the root agent, and what a hung network mount does to everyone. It serves one file, FILE_NAME, with
// the content of a backing file read at start (e.g. a copy of /bin/sleep), to every process: the program runs
// from it normally. Reads opened by threads of the process HANG_PID (the agent) are sent to the daemon on every
// read (direct I/O, no page cache) and never answered, so the kernel blocks the reading thread until the daemon
// dies (then the kernel fails the read) or the mount is aborted.
//
// usage: hanging-fuse MOUNTPOINT BACKING_FILE FILE_NAME HANG_PID   (root; foreground; SIGTERM unmounts)
#define FUSE_USE_VERSION 34
#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *content;
static size_t content_size;
static const char *file_name;
static pid_t hang_pid;
static unsigned long hung_reads;

/* The thread group (process) of the thread that made a request. */
static pid_t tgid_of(pid_t tid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  pid_t tgid = -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "Tgid: %d", &tgid) == 1) break;
  fclose(f);
  return tgid;
}

static int hangs_for(fuse_req_t req) {
  return tgid_of(fuse_req_ctx(req)->pid) == hang_pid;
}

static void attr_of(fuse_ino_t ino, struct stat *st) {
  memset(st, 0, sizeof *st);
  st->st_ino = ino;
  if (ino == FUSE_ROOT_ID) {
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
  } else {
    st->st_mode = S_IFREG | 0755;
    st->st_nlink = 1;
    st->st_size = (off_t)content_size;
  }
}

static void on_lookup(fuse_req_t req, fuse_ino_t parent, const char *name) {
  if (parent != FUSE_ROOT_ID || strcmp(name, file_name) != 0) {
    fuse_reply_err(req, ENOENT);
    return;
  }
  struct fuse_entry_param e;
  memset(&e, 0, sizeof e);
  e.ino = 2;
  e.attr_timeout = 3600;
  e.entry_timeout = 3600;
  attr_of(2, &e.attr);
  fuse_reply_entry(req, &e);
}

static void on_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  (void)fi;
  struct stat st;
  attr_of(ino, &st);
  fuse_reply_attr(req, &st, 3600);
}

static void on_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi) {
  if (ino != 2) {
    fuse_reply_err(req, EISDIR);
    return;
  }
  fi->direct_io = hangs_for(req);
  fi->fh = fi->direct_io; /* the read's fuse_file_info carries fh, not direct_io */
  fi->keep_cache = !fi->direct_io;
  fuse_reply_open(req, fi);
}

static void on_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)ino;
  if (fi->fh && hangs_for(req)) {
    hung_reads++;
    fprintf(stderr, "hanging a read of %zu bytes at %lld (%lu so far)\n", size, (long long)off, hung_reads);
    return; /* never answered: the reader waits in the kernel */
  }
  if ((size_t)off >= content_size) size = 0;
  else if ((size_t)off + size > content_size) size = content_size - (size_t)off;
  fuse_reply_buf(req, content + off, size);
}

static void on_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)fi;
  if (ino != FUSE_ROOT_ID) {
    fuse_reply_err(req, ENOTDIR);
    return;
  }
  char buf[512];
  size_t used = 0;
  struct stat st;
  const char *names[] = {".", "..", file_name};
  fuse_ino_t inos[] = {FUSE_ROOT_ID, FUSE_ROOT_ID, 2};
  for (off_t i = off; i < 3; i++) {
    attr_of(inos[i], &st);
    size_t n = fuse_add_direntry(req, buf + used, sizeof buf - used, names[i], &st, i + 1);
    if (used + n > sizeof buf || used + n > size) break;
    used += n;
  }
  fuse_reply_buf(req, buf, used);
}

static const struct fuse_lowlevel_ops ops = {
  .lookup = on_lookup, .getattr = on_getattr, .open = on_open, .read = on_read, .readdir = on_readdir,
};

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: hanging-fuse MOUNTPOINT BACKING_FILE FILE_NAME HANG_PID\n");
    return 2;
  }
  file_name = argv[3];
  hang_pid = (pid_t)atoi(argv[4]);
  FILE *f = fopen(argv[2], "rb");
  if (!f) {
    perror(argv[2]);
    return 1;
  }
  fseek(f, 0, SEEK_END);
  content_size = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  content = malloc(content_size);
  if (!content || fread(content, 1, content_size, f) != content_size) return 1;
  fclose(f);
  char *fargv[] = {argv[0], "-o", "allow_other,fsname=hanging-fuse,subtype=hanging", NULL};
  struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
  struct fuse_session *se = fuse_session_new(&args, &ops, sizeof ops, NULL);
  if (!se || fuse_set_signal_handlers(se) != 0 || fuse_session_mount(se, argv[1]) != 0) return 1;
  fprintf(stdout, "mounted\n");
  fflush(stdout);
  int rc = fuse_session_loop(se);
  fuse_session_unmount(se);
  fuse_remove_signal_handlers(se);
  fuse_session_destroy(se);
  return rc ? 1 : 0;
}
