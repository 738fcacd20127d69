/*
 * The CPU features the image checks at start (AMD64LibCHelper): determineCPUFeatures fills the struct whose layout
 * build.sh generates from the builder's classes; the image compares it with the features it was compiled for.
 */
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "amd64cpufeatures.h"

#define BIT(reg, n) (((reg) >> (n)) & 1)

void determineCPUFeatures(CPUFeatures *f) {
    unsigned a, b, c, d;
    memset(f, 0, sizeof(*f));
    unsigned max = __get_cpuid_max(0, 0);
    if (max >= 1 && __get_cpuid(1, &a, &b, &c, &d)) {
        f->fTSC = BIT(d, 4); f->fCX8 = BIT(d, 8); f->fCMOV = BIT(d, 15); f->fFLUSH = BIT(d, 19);
        f->fMMX = BIT(d, 23); f->fFXSR = BIT(d, 24); f->fSSE = BIT(d, 25); f->fSSE2 = BIT(d, 26); f->fHT = BIT(d, 28);
        f->fSSE3 = BIT(c, 0); f->fCLMUL = BIT(c, 1); f->fSSSE3 = BIT(c, 9); f->fFMA = BIT(c, 12);
        f->fSSE4_1 = BIT(c, 19); f->fSSE4_2 = BIT(c, 20); f->fPOPCNT = BIT(c, 23); f->fAES = BIT(c, 25);
        f->fAVX = BIT(c, 28) && BIT(c, 27); f->fF16C = BIT(c, 29); f->fHV = BIT(c, 31);
        f->fVZEROUPPER = f->fAVX;
    }
    if (max >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        f->fBMI1 = BIT(b, 3); f->fAVX2 = BIT(b, 5) && f->fAVX; f->fBMI2 = BIT(b, 8); f->fERMS = BIT(b, 9);
        f->fRTM = BIT(b, 11); f->fAVX512F = BIT(b, 16); f->fAVX512DQ = BIT(b, 17); f->fADX = BIT(b, 19);
        f->fAVX512_IFMA = BIT(b, 21); f->fFLUSHOPT = BIT(b, 23); f->fCLWB = BIT(b, 24); f->fAVX512PF = BIT(b, 26);
        f->fAVX512ER = BIT(b, 27); f->fAVX512CD = BIT(b, 28); f->fSHA = BIT(b, 29); f->fAVX512BW = BIT(b, 30);
        f->fAVX512VL = BIT(b, 31);
        f->fAVX512_VBMI = BIT(c, 1); f->fPKU = BIT(c, 3); f->fOSPKE = BIT(c, 4); f->fAVX512_VBMI2 = BIT(c, 6);
        f->fGFNI = BIT(c, 8); f->fAVX512_VAES = BIT(c, 9); f->fAVX512_VPCLMULQDQ = BIT(c, 10);
        f->fAVX512_VNNI = BIT(c, 11); f->fAVX512_BITALG = BIT(c, 12); f->fAVX512_VPOPCNTDQ = BIT(c, 14);
        f->fRDPID = BIT(c, 22);
        f->fFSRM = BIT(d, 4); f->fSERIALIZE = BIT(d, 14); f->fAVX512_FP16 = BIT(d, 23);
    }
    unsigned ext = __get_cpuid_max(0x80000000, 0);
    if (ext >= 0x80000001 && __get_cpuid(0x80000001, &a, &b, &c, &d)) {
        f->fLZCNT = BIT(c, 5); f->fSSE4A = BIT(c, 6); f->fAMD_3DNOW_PREFETCH = BIT(c, 8); f->fRDTSCP = BIT(d, 27);
    }
    if (ext >= 0x80000007 && __get_cpuid(0x80000007, &a, &b, &c, &d)) {
        f->fTSCINV_BIT = BIT(d, 8); f->fTSCINV = BIT(d, 8);
    }
}

/* 0 when the CPU has every feature the image was compiled for: the mask has a byte per CPUFeatures field, with the
   lowest bit cleared where the image needs the feature (the image ORs it with the CPU's and expects all bits set). */
int checkCPUFeatures(const unsigned char *buildtimeFeatureMask) {
    CPUFeatures features;
    determineCPUFeatures(&features);
    const unsigned char *have = (const unsigned char *) &features;
    for (size_t i = 0; i < sizeof(features); i++) {
        if ((unsigned char) (buildtimeFeatureMask[i] | have[i]) != 0xFF) return -1;
    }
    return 0;
}

int checkCPUFeaturesOrExit(const unsigned char *buildtimeFeatureMask, const char *errorMessage) {
    int result = checkCPUFeatures(buildtimeFeatureMask);
    if (result != 0) {
        fputs(errorMessage, stderr);
        exit(1);
    }
    return result;
}
