BxsJÊV
;