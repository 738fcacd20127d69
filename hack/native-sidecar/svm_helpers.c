/*
 * C functions the image calls by name that GraalVM 25.0.2's clibraries provide and the 22.3 sources do not, or that
 * bridge the JDK's shared libraries to the image (JNI_OnLoad_<lib>): written for this exploratory build.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <jni.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "svm_locale.h"

/* The JDK's shared libraries have JNI_OnLoad; the image calls the static-library names JNI_OnLoad_<lib>. */
static jint on_load(const char *soname, JavaVM *vm, void *reserved) {
    void *lib = dlopen(soname, RTLD_NOW | RTLD_NOLOAD);
    jint (*fn)(JavaVM *, void *) = lib ? (jint (*)(JavaVM *, void *)) dlsym(lib, "JNI_OnLoad") : NULL;
    jint version = fn ? fn(vm, reserved) : JNI_VERSION_1_8;
    /* A statically linked library must answer at least 1.8; the shared ones answer the version they need. */
    return version < 0 ? version : JNI_VERSION_1_8;
}
JNIEXPORT jint JNICALL JNI_OnLoad_java(JavaVM *vm, void *r) { return on_load("libjava.so", vm, r); }
JNIEXPORT jint JNICALL JNI_OnLoad_nio(JavaVM *vm, void *r) { return on_load("libnio.so", vm, r); }
JNIEXPORT jint JNICALL JNI_OnLoad_net(JavaVM *vm, void *r) { return on_load("libnet.so", vm, r); }
JNIEXPORT jint JNICALL JNI_OnLoad_zip(JavaVM *vm, void *r) { return on_load("libzip.so", vm, r); }
JNIEXPORT jint JNICALL JNI_OnLoad_extnet(JavaVM *vm, void *r) { return on_load("libextnet.so", vm, r); }
JNIEXPORT jint JNICALL JNI_OnLoad_management_ext(JavaVM *vm, void *r) { return on_load("libmanagement_ext.so", vm, r); }

/* sun.misc.Signal: a handler counts signals and wakes the dispatching Java thread. */
#define MAX_SIGNAL 65
static sem_t semaphore;
static bool opened;
static atomic_int pending[MAX_SIGNAL];
int cSunMiscSignal_open(void) {
    if (opened || sem_init(&semaphore, 0, 0) != 0) return -1;
    for (int i = 0; i < MAX_SIGNAL; i++) atomic_store(&pending[i], 0);
    opened = true;
    return 0;
}
int cSunMiscSignal_close(void) {
    if (!opened) return -1;
    opened = false;
    return sem_destroy(&semaphore);
}
int cSunMiscSignal_awaitSemaphore(void) {
    int r;
    while ((r = sem_wait(&semaphore)) == -1 && errno == EINTR) {}
    return r;
}
int cSunMiscSignal_signalSemaphore(void) { return sem_post(&semaphore); }
int cSunMiscSignal_checkPendingSignal(void) {
    for (int sig = 1; sig < MAX_SIGNAL; sig++) {
        int count = atomic_load(&pending[sig]);
        while (count > 0) {
            if (atomic_compare_exchange_weak(&pending[sig], &count, count - 1)) return sig;
        }
    }
    return -1;
}
static void dispatch(int sig) {
    if (sig > 0 && sig < MAX_SIGNAL) {
        atomic_fetch_add(&pending[sig], 1);
        sem_post(&semaphore);
    }
}
void *cSunMiscSignal_signalHandlerFunctionPointer(void) { return (void *) dispatch; }

/* Small wrappers the image calls by these names. */
/* The platform's time zone id: $TZ, else the zoneinfo name /etc/localtime links to, else NULL (the image: GMT). */
char *findJavaTZ_md(const char *tzmappings, int length) {
    const char *tz = getenv("TZ");
    if (tz != NULL && *tz == ':') tz++;
    if (tz != NULL && *tz != '\0') return strdup(tz);
    char link[PATH_MAX];
    ssize_t n = readlink("/etc/localtime", link, sizeof(link) - 1);
    if (n <= 0) return NULL;
    link[n] = '\0';
    const char *zone = strstr(link, "zoneinfo/");
    return zone != NULL ? strdup(zone + strlen("zoneinfo/")) : NULL;
}
int fprintfSD(FILE *f, const char *format, const char *s, int d) { return fprintf(f, format, s, d); }
long getThreadId(void) { return syscall(SYS_gettid); }
void *mremapP(void *old, size_t old_size, size_t new_size, int flags, void *new_address) {
    return mremap(old, old_size, new_size, flags, new_address);
}
int openSII(const char *path, int flags, int mode) { return open(path, flags, mode); }

/* The locale is always en (the sidecar formats nothing for people): not the environment's. */
static svm_locale_props_t locale_props;
int svm_initialize_locale(void) {
    static char en[] = "en";
    locale_props.format_language = en;
    locale_props.display_language = en;
    return SVM_LOCALE_INITIALIZATION_SUCCEEDED;
}
svm_locale_props_t *svm_get_locale(void) { return &locale_props; }
bool cSunMiscSignal_signalRangeCheck(int sig) { return sig > 0 && sig < MAX_SIGNAL; }
