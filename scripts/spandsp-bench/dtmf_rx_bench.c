/* Times spandsp's dtmf_rx on the same 160-sample frames as the Rust bench
 * `dtmf/frame_160` (fixtures/dtmf/bench_speech_8k.raw), one channel.
 * Build and run: scripts/spandsp-bench/run.sh
 * `dtmf_rx_bench detect FILE.raw` prints the digits spandsp finds instead. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>
#include <string.h>
#include <spandsp.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int digits_seen = 0;

static void on_digits(void *user, const char *digits, int len)
{
    (void) user;
    (void) digits;
    digits_seen += len;
}

static char detected[4096];
static int detected_len = 0;

static void on_detect(void *user, const char *digits, int len)
{
    (void) user;
    for (int i = 0; i < len && detected_len < (int) sizeof(detected) - 1; i++)
        detected[detected_len++] = digits[i];
}

/* `dtmf_rx_bench detect FILE.raw`: prints the digits spandsp finds in 8 kHz
   s16le audio (for side-by-side talk-off counts). */
static int detect(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    dtmf_rx_state_t *rx = dtmf_rx_init(NULL, on_detect, NULL);
    int16_t frame[160];
    size_t n;
    while ((n = fread(frame, sizeof(int16_t), 160, f)) > 0)
        dtmf_rx(rx, frame, (int) n);
    fclose(f);
    dtmf_rx_free(rx);
    detected[detected_len] = '\0';
    printf("%d\t%s\n", detected_len, detected);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "detect") == 0)
        return detect(argv[2]);
    const char *path = (argc > 1) ? argv[1] : "fixtures/dtmf/bench_speech_8k.raw";
    int rounds = (argc > 2) ? atoi(argv[2]) : 5;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return 1;
    }
    static int16_t samples[8000 * 60];
    size_t n = fread(samples, sizeof(int16_t), sizeof(samples) / sizeof(samples[0]), f);
    fclose(f);
    int frames = (int) (n / 160);
    dtmf_rx_state_t *rx = dtmf_rx_init(NULL, on_digits, NULL);
    /* Warm up. */
    for (int i = 0; i < frames * 20; i++)
        dtmf_rx(rx, samples + (i % frames) * 160, 160);
    double best = 1e30;
    for (int r = 0; r < rounds; r++) {
        int iters = 2000000;
        double t0 = now_ns();
        for (int i = 0; i < iters; i++)
            dtmf_rx(rx, samples + (i % frames) * 160, 160);
        double per = (now_ns() - t0) / iters;
        printf("round %d: %.1f ns per 160-sample frame\n", r, per);
        if (per < best)
            best = per;
    }
    printf("spandsp dtmf_rx best: %.1f ns per frame (%d frames of %s, %d digits seen)\n",
           best, frames, path, digits_seen);
    dtmf_rx_free(rx);
    return 0;
}
