/* The racing unit's entry (race.c): its context is used for the first time by the threads. */
#ifndef HPY_THREADS_RACE_H
#define HPY_THREADS_RACE_H

#define RACE_THREADS_MAX 32

/* What the threads saw, filled by race_first_use. */
typedef struct {
    int threads;       /* how many ran */
    int same_context;  /* every thread got the same context */
    int complete;      /* every handle of it was filled, and the checked ones right */
    long constants;    /* debug mode: context constants open in this unit (one fill: the
                        * number of handles); -1 otherwise */
    long handles;      /* handles in a context */
} race_result;

/* Starts `threads` threads that wait at one barrier, then all ask for this unit's context at
 * once, each with a thread state of its own (PyGILState_Ensure), as every caller has: on a GIL
 * build the GIL orders them, from CPython 3.13 the fill's own once-guard runs as well (the
 * one a free-threaded build relies on). Returns 0, or -1 if a thread could not be started.
 * Call without the GIL. */
int race_first_use(int threads, race_result *result);

#endif
