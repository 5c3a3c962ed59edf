/* fixrand.c - preloaded into tshark by bench.py --instructions, so that
 * instruction counts repeat exactly.
 *
 * Wireshark's wmem maps salt their hash with g_random_int() (wmem_map.c),
 * so which keys collide, and so how many instructions a lookup takes,
 * changes from run to run: the same build on the same capture varied by
 * +-0.5 % (a few hundred instructions a packet, as much as a change under
 * test).  With this fixed number every run of a build is identical, and two
 * builds are compared under the same salt.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
unsigned int g_random_int(void);

unsigned int g_random_int(void)
{
    return 0x9E3779B1u; /* odd, as wmem_map's multiplicative hash wants */
}
