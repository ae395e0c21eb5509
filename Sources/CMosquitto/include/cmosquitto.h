#ifndef CAIRN_CMOSQUITTO_H
#define CAIRN_CMOSQUITTO_H
#include <mosquitto.h>
#include <mqtt_protocol.h>
#endif
