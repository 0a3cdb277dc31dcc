/*
 * Test-only stand-in for Windows' bcryptprimitives.dll, for running Lathe's Windows builds under
 * Wine 8.0 (Debian 12), which has no such DLL.
 *
 * Rust's standard library (1.78 and later) imports ProcessPrng from bcryptprimitives.dll, the
 * system random number generator of Windows 10 and later, to seed HashMap keys. Wine 8.0 lacks
 * that DLL, so every Rust program fails to start there. This file provides the one function, on
 * top of advapi32's SystemFunction036 (RtlGenRandom), which Wine implements.
 *
 * It exists only inside the test Wine prefix (`cargo xtask test` builds it with MinGW into
 * target/wine-prefix). The shipped binaries are unchanged and import the real DLL, which every
 * Windows 10 and 11 has.
 */
#include <windows.h>

/* advapi32's RtlGenRandom, exported under this name. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* BOOL ProcessPrng(PBYTE pbData, SIZE_T cbData): always succeeds on Windows; so here, unless
 * advapi32 fails. Fills in chunks because RtlGenRandom takes a 32-bit length. */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
