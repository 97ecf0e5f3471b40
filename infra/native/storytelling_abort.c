/*
 * The abort callback Storytelling gives whisper.cpp.
 *
 * ggml calls whisper's abort callback after every node of every compute graph, on the calling thread, while the
 * other compute threads wait at a barrier. A managed callback there costs a native-to-managed transition per node,
 * which measured as 15% of a whole transcription on 2 cores. This function only reads one byte that the managed
 * side sets when the job is cancelled, so the check costs what a load costs.
 */
#include <stdbool.h>

bool storytelling_abort_requested(void *flag)
{
    return __atomic_load_n((const unsigned char *)flag, __ATOMIC_RELAXED) != 0;
}
