BX2Jeç
