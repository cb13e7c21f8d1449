
/*
 * Copyright (C) ngx_http_interloom_module authors
 *
 * A main() for the harnesses without libFuzzer: every file named, and
 * every file below every directory named, is read into a buffer of its
 * exact size and run once.  Built with gcc's ASan and UBSan, it is the
 * regression check of make test over the committed corpora.
 *
 * Each input runs in a child of its own, after the harness was set up
 * once, so that one crash or leak does not hide what the inputs after it
 * do, and each report names its input.  It runs twice there: a leak is
 * looked for only when the second run allocated more than it freed.
 */


#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "il_fuzz.h"


typedef struct {
    char    **files;
    size_t    n;
    size_t    cap;
} replay_list_t;


/* In the sanitizers' runtime; weak, so that a plain build links too. */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));
int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *, size_t),
    void (*free_hook)(const volatile void *)) __attribute__((weak));

static void replay_malloc_hook(const volatile void *p, size_t size);
static void replay_free_hook(const volatile void *p);
static int replay_collect(const char *path, replay_list_t *list);
static int replay_dir(const char *dir, replay_list_t *list);
static int replay_add(replay_list_t *list, const char *file);
static int replay_run(const char *file);
static int replay_one(const char *file);


/* Allocations less frees during one input, as libFuzzer counts them. */
static long  replay_balance;


int
main(int argc, char **argv)
{
    int            i;
    size_t         k, failed;
    replay_list_t  list;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
        return 2;
    }

    memset(&list, 0, sizeof(replay_list_t));

    for (i = 1; i < argc; i++) {
        if (replay_collect(argv[i], &list) != 0) {
            return 1;
        }
    }

    if (LLVMFuzzerInitialize(&argc, &argv) != 0) {
        return 1;
    }

    failed = 0;

    for (k = 0; k < list.n; k++) {
        if (replay_run(list.files[k]) != 0) {
            fprintf(stderr, "replay: %s FAILED\n", list.files[k]);
            failed++;
        }

        free(list.files[k]);
    }

    free(list.files);

    printf("%s: %zu inputs replayed, %zu failed\n", argv[0], list.n, failed);

    return failed ? 1 : 0;
}


static int
replay_collect(const char *path, replay_list_t *list)
{
    struct stat  st;

    if (stat(path, &st) != 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }

    if (S_ISDIR(st.st_mode)) {
        return replay_dir(path, list);
    }

    return replay_add(list, path);
}


/* Sorted, so that a run is the same from one machine to the next. */

static int
replay_dir(const char *dir, replay_list_t *list)
{
    int              n, i, rc;
    char            *path;
    size_t           len;
    struct dirent  **names;

    n = scandir(dir, &names, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "%s: %s\n", dir, strerror(errno));
        return -1;
    }

    rc = 0;

    for (i = 0; i < n; i++) {
        if (rc == 0 && names[i]->d_name[0] != '.') {
            len = strlen(dir) + strlen(names[i]->d_name) + 2;

            path = malloc(len);
            if (path == NULL) {
                rc = -1;

            } else {
                snprintf(path, len, "%s/%s", dir, names[i]->d_name);
                rc = replay_collect(path, list);
                free(path);
            }
        }

        free(names[i]);
    }

    free(names);

    return rc;
}


static int
replay_add(replay_list_t *list, const char *file)
{
    char   **files;
    size_t   cap;

    if (list->n == list->cap) {
        cap = list->cap ? list->cap * 2 : 256;

        files = realloc(list->files, cap * sizeof(char *));
        if (files == NULL) {
            return -1;
        }

        list->files = files;
        list->cap = cap;
    }

    list->files[list->n] = strdup(file);
    if (list->files[list->n] == NULL) {
        return -1;
    }

    list->n++;

    return 0;
}


/* Runs one input in a child; 0 when it exited cleanly. */

static int
replay_run(const char *file)
{
    int    status;
    pid_t  pid;

    fflush(NULL);

    pid = fork();

    if (pid < 0) {
        fprintf(stderr, "replay: fork: %s\n", strerror(errno));
        return -1;
    }

    if (pid == 0) {
        _exit(replay_one(file));
    }

    if (waitpid(pid, &status, 0) != pid) {
        return -1;
    }

    return (WIFEXITED(status) && WEXITSTATUS(status) == 0) ? 0 : -1;
}


static int
replay_one(const char *file)
{
    long    size;
    FILE   *f;
    char   *buf;

    f = fopen(file, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", file, strerror(errno));
        return 1;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        fprintf(stderr, "%s: cannot tell its size\n", file);
        fclose(f);
        return 1;
    }

    /* exactly the input's size: a read past its end is an ASan report */
    buf = malloc(size ? (size_t) size : 1);
    if (buf == NULL) {
        fclose(f);
        return 1;
    }

    if (size && fread(buf, 1, (size_t) size, f) != (size_t) size) {
        fprintf(stderr, "%s: short read\n", file);
        free(buf);
        fclose(f);
        return 1;
    }

    fclose(f);

    /*
     * The first run also fills what a harness keeps from one input to the
     * next (an arena, library caches); the second is the one counted.
     */
    LLVMFuzzerTestOneInput((const uint8_t *) buf, (size_t) size);

    if (__sanitizer_install_malloc_and_free_hooks != NULL) {
        __sanitizer_install_malloc_and_free_hooks(replay_malloc_hook,
                                                  replay_free_hook);
    }

    replay_balance = 0;

    LLVMFuzzerTestOneInput((const uint8_t *) buf, (size_t) size);

    /*
     * _exit() skips the check LeakSanitizer makes at exit.  It scans the
     * whole heap, the loaded document too, so it is asked for only when
     * the second run left an allocation behind.
     */
    if (replay_balance != 0 && __lsan_do_recoverable_leak_check != NULL
        && __lsan_do_recoverable_leak_check() != 0)
    {
        return 1;
    }

    free(buf);

    return 0;
}


static void
replay_malloc_hook(const volatile void *p, size_t size)
{
    (void) p;
    (void) size;

    replay_balance++;
}


static void
replay_free_hook(const volatile void *p)
{
    (void) p;

    replay_balance--;
}
