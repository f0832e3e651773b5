Attribute VB_Name = "ClientBaseRemote"
' clientbase buttons through xlwings Server: each sends this workbook to the office's clientbase
' server (clientbase excel-serve) and applies the answer. Use this module instead of
' ClientBase.bas when Python runs on a server rather than on each computer. The remote
' interpreter is xlwings PRO: free for noncommercial use, otherwise it needs a paid licence key.
' clientbase excel-setup WORKBOOK --server URL fills in the two constants below.
Option Explicit

Private Const SERVER_URL As String = "http://localhost:8000/clientbase/"
Private Const SERVER_TOKEN As String = ""

Sub ClientBaseCheckNow()
    RunRemotePython SERVER_URL & "check_now", auth:=SERVER_TOKEN
End Sub

Sub ClientBaseFindDuplicates()
    RunRemotePython SERVER_URL & "find_duplicates", auth:=SERVER_TOKEN
End Sub

Sub ClientBaseRecomputeSegments()
    RunRemotePython SERVER_URL & "recompute_segments", auth:=SERVER_TOKEN
End Sub

Sub ClientBaseMergeSelectedDuplicates()
    RunRemotePython SERVER_URL & "merge_selected_duplicates", auth:=SERVER_TOKEN
End Sub

Sub ClientBaseClearHighlights()
    RunRemotePython SERVER_URL & "clear_highlights", auth:=SERVER_TOKEN
End Sub
