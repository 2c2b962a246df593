#ifndef SW_VERSION_H
#define SW_VERSION_H
#define SW_VERSION "0.1.0"
#endif
