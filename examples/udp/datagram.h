/*
 * datagram.h: the tiny format shared by udp/sender.c and udp/receiver.c. Constants only.
 *
 * A data datagram is the ASCII text "data N" and an end marker is "end COUNT", where N is a
 * sequence number from 1 to COUNT and COUNT is how many data datagrams the sender sent. There is no
 * newline: a UDP datagram arrives whole or not at all, so it needs no framing inside.
 */
#ifndef CHARLA_EXAMPLES_UDP_DATAGRAM_H
#define CHARLA_EXAMPLES_UDP_DATAGRAM_H

/* The largest sequence number; the receiver keeps one byte per number, so 1 MB at most. */
#define DATAGRAM_SEQ_MAX 1000000UL

#endif
