// A what-if aid for bench/api.py, not part of ./dev bench: LD_PRELOAD'ed into `sluice`, it sets
// TCP_NODELAY on every accepted socket, to measure what the API would answer without Nagle's
// algorithm holding back the body it writes after the head (RESULTS.md, issue 15):
//   gcc -O2 -shared -fPIC -o /tmp/nodelay.so bench/tcp_nodelay_preload.c -ldl
//   LD_PRELOAD=/tmp/nodelay.so python3 bench/api.py build --only latency,load
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static int NoDelay(int fd) {
  if (fd >= 0) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // a UNIX socket just refuses
  }
  return fd;
}

int accept(int s, struct sockaddr* addr, socklen_t* len) {
  static int (*real)(int, struct sockaddr*, socklen_t*);
  if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*))dlsym(RTLD_NEXT, "accept");
  return NoDelay(real(s, addr, len));
}

int accept4(int s, struct sockaddr* addr, socklen_t* len, int flags) {
  static int (*real)(int, struct sockaddr*, socklen_t*, int);
  if (!real) real = (int (*)(int, struct sockaddr*, socklen_t*, int))dlsym(RTLD_NEXT, "accept4");
  return NoDelay(real(s, addr, len, flags));
}
